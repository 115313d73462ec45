"""The `tandem` command as a user runs it: a real process on a fresh data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def tandem(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update({"TANDEM_DATA_DIR": str(data_dir), "COLUMNS": "120", **env})
    return subprocess.run(
        [sys.executable, "-m", "tandem", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = tandem("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "demo", "createuser", "check", "worker", "token"):
        assert command in result.stdout


def test_check_reports_pending_migrations_then_health(tmp_path: Path) -> None:
    first = tandem("check", data_dir=tmp_path)
    assert first.returncode == 1
    assert "migration(s) not applied" in first.stdout
    created = tandem(
        "createuser", "--username", "olga", "--role", "marketing",
        "--password", "a-long-enough-password", data_dir=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "Created olga (Marketing)" in created.stdout
    second = tandem("check", data_dir=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "database schema is up to date" in second.stdout
    assert "job queue reachable" in second.stdout


def test_createuser_refuses_an_unknown_role(tmp_path: Path) -> None:
    result = tandem(
        "createuser", "--username", "x", "--role", "boss",
        "--password", "a-long-enough-password", data_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Unknown role 'boss'" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"TANDEM_DATABASE_URL": "mysql://x/y"},
            "TANDEM_DATABASE_URL='mysql://x/y' is not supported",
        ),
        ({"TANDEM_DEBUG": "maybe"}, "TANDEM_DEBUG='maybe' is not a yes/no value"),
        ({"TANDEM_ENV": "production"}, "TANDEM_SECRET_KEY must be set"),
        ({"TANDEM_STALE_DAYS": "soon"}, "TANDEM_STALE_DAYS='soon' must be a whole number"),
    ],
)
def test_bad_configuration_is_named(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = tandem("check", data_dir=tmp_path, **env)
    assert result.returncode == 2
    assert message in result.stdout + result.stderr
