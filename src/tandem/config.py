"""Configuration read from ``TANDEM_*`` environment variables.

Kept apart from ``settings.py`` so the CLI can report on it (``tandem check``)
without importing Django.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A configuration value that cannot be used; the message names the variable."""


@dataclass(frozen=True, kw_only=True)
class Config:
    data_dir: Path
    database_url: str
    redis_url: str
    secret_key: str
    debug: bool
    production: bool
    allowed_hosts: tuple[str, ...]
    stale_days: int = 90

    @property
    def database_vendor(self) -> str:
        return (
            "postgresql" if self.database_url.startswith(("postgres", "postgresql")) else "sqlite"
        )


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(
        f"{name}={raw!r} is not a yes/no value; use 1/0, true/false, yes/no or on/off."
    )


def load() -> Config:
    data_dir = Path(os.environ.get("TANDEM_DATA_DIR") or "var").resolve()
    database_url = (
        os.environ.get("TANDEM_DATABASE_URL") or f"sqlite:///{data_dir / 'tandem.sqlite3'}"
    )
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ConfigError(
            f"TANDEM_DATABASE_URL={database_url!r} is not supported; "
            "use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:port/name."
        )
    production = os.environ.get("TANDEM_ENV", "").strip().lower() == "production"
    secret_key = os.environ.get("TANDEM_SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError("TANDEM_SECRET_KEY must be set when TANDEM_ENV=production.")
        secret_key = "insecure-development-key-set-TANDEM_SECRET_KEY-in-production"
    raw_stale = os.environ.get("TANDEM_STALE_DAYS", "90").strip()
    if not raw_stale.isdigit() or int(raw_stale) < 1:
        raise ConfigError(
            f"TANDEM_STALE_DAYS={raw_stale!r} must be a whole number of days, 1 or more."
        )
    hosts = os.environ.get("TANDEM_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=os.environ.get("TANDEM_REDIS_URL", ""),
        secret_key=secret_key,
        debug=_flag("TANDEM_DEBUG", default=not production),
        production=production,
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        stale_days=int(raw_stale),
    )
