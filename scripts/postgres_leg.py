"""Run the test suite against PostgreSQL.

Uses TANDEM_TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432, database
``test``; pytest-django creates and drops ``test_<name>`` beside it). When no server
answers, the leg is skipped with a message, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def main() -> int:
    try:
        psycopg.connect(URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            print(f"PostgreSQL leg FAILED: no server answers at {URL}: {exc}", file=sys.stderr)
            return 1
        print(
            f"PostgreSQL leg SKIPPED: no server answers at {URL}.\n"
            "Start one (or set TANDEM_TEST_POSTGRES_URL) to run it; under CI=true it is required.",
            file=sys.stderr,
        )
        return 0
    env = {**os.environ, "TANDEM_DATABASE_URL": URL}
    print(f"PostgreSQL leg: running the suite against {URL.rsplit('@', 1)[-1]}")
    # Browser tests drive the same views, and the Spark check touches no database:
    # both run once, on the SQLite leg.
    command = [
        sys.executable, "-m", "pytest", "-m", "not e2e and not spark", "-p", "no:cacheprovider"
    ]  # fmt: skip
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
