"""Server time of the busiest pages on the demo company, on SQLite and PostgreSQL.

    python benchmarks/pages.py [--requests 200] [--scale 1.0] [--postgres URL]

For each store it loads the demo company into a fresh database (timing the load),
then sends requests through Django's test client as a logged-in sales rep:

- contacts list, first page, with a stage filter and a search term;
- a contact page with its timeline and stage history (a different contact each time).

It reports p50 and p95 in milliseconds and the number of SQL queries per page.
Target: p95 under 150 ms on both stores. Each store runs in its own process because
Django's settings are process-wide.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PG = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(requests: int, scale: float) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tandem.crm.demo import load_demo
    from tandem.crm.models import Contact
    from tandem.people.models import User

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    summary = load_demo(seed=42, scale=scale)
    load_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(User.objects.filter(role="sales_rep").order_by("pk").first())
    list_url = "/contacts/?stage=mql&q=an"
    ids = list(Contact.objects.order_by("?").values_list("pk", flat=True)[:requests])
    pages = {
        "contacts list (stage=mql, q=an)": [list_url] * requests,
        "contact page with timeline": [f"/contacts/{pk}/" for pk in ids],
    }
    results: dict[str, object] = {}
    for name, urls in pages.items():
        for url in urls[:5]:  # warm caches and connections
            client.get(url)
        timings = []
        for url in urls:
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(urls[0])
        results[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "max_ms": round(max(timings), 1),
            "queries": len(queries.captured_queries),
            "requests": len(urls),
        }
    return {
        "vendor": connection.vendor,
        "demo_load_s": round(load_seconds, 1),
        "contacts": summary.contacts,
        "touchpoints": summary.touchpoints,
        "pages": results,
    }


def run_child(env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", "--requests", str(args.requests)]
    command += ["--scale", str(args.scale)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_postgres(url: str) -> str | None:
    """Create an empty database beside the given one; None when no server answers."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS tandem_bench")
            conn.execute("CREATE DATABASE tandem_bench")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    return url.rsplit("/", 1)[0] + "/tandem_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.requests, args.scale)))
        return

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TANDEM_DATA_DIR": tmp}
        env.pop("TANDEM_DATABASE_URL", None)
        runs.append(run_child(env, args))
        pg = fresh_postgres(args.postgres)
        if pg:
            runs.append(run_child({**env, "TANDEM_DATABASE_URL": pg}, args))
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, scale {args.scale}\n")
    print("| store | page | p50 ms | p95 ms | max ms | queries |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        for name, r in run["pages"].items():  # type: ignore[attr-defined]
            print(
                f"| {run['vendor']} | {name} | {r['p50_ms']} | {r['p95_ms']} | "
                f"{r['max_ms']} | {r['queries']} |"
            )
    print("\n| store | demo load (s) | contacts | touchpoints |")
    print("|---|---|---|---|")
    for run in runs:
        print(
            f"| {run['vendor']} | {run['demo_load_s']} | {run['contacts']:,} | "
            f"{run['touchpoints']:,} |"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
