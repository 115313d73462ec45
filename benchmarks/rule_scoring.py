"""Rule-based scoring of every contact: the bulk engine against a per-contact loop.

    python benchmarks/rule_scoring.py [--contacts 1000000] [--touchpoints 10000000]
                                      [--baseline-sample 20000] [--seed 42]

Generates a deterministic synthetic company (numpy RNG): contacts with skewed
account sizes, industries, countries, free-mail addresses, job titles (some blank,
some non-ASCII) and a blank seniority or persona for about half of them, and
touchpoints with a heavy-tailed number per contact, realistic type mix, recency skew,
a few in the future and careers-page visits among the page views.

Then it times, with DEFAULT_CONFIG:

- bulk: ``tandem.analytics.rule_scoring.score_all`` over the Arrow tables (wall
  time of the call, everything included: SQL compilation, case-folding tables,
  the query, the result as Arrow);
- baseline: a plain Python loop calling ``tandem.core.scoring.score_contact`` per
  contact (turning the rows into Python values, grouping touchpoints by contact,
  scoring and writing the explanation JSON), on a random sample of contacts,
  extrapolated linearly to all contacts;

checks that the bulk results equal the loop's on the sample, and prints a Markdown
table. Targets: bulk at full size within 30 s on 2 cores, at least 50x the baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tandem.analytics.rule_scoring import score_all
from tandem.core.contact_fields import FREE_EMAIL_DOMAINS
from tandem.core.scoring import (
    DEFAULT_CONFIG,
    TouchpointFact,
    explanation_json,
    score_contact,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

INDUSTRIES = [
    ("Software", 22), ("Financial services", 12), ("Healthcare", 10), ("Manufacturing", 12),
    ("Retail", 9), ("Education", 6), ("Logistics", 7), ("Media", 6), ("Energy", 5),
    ("Professional services", 11),
]  # fmt: skip
COUNTRIES = [
    ("US", 38), ("GB", 12), ("DE", 10), ("FR", 6), ("CA", 6), ("NL", 5), ("AU", 5), ("SE", 3),
    ("ES", 3), ("IN", 3), ("IE", 2), ("CH", 2), ("SG", 2), ("BR", 2), ("MX", 1),
]  # fmt: skip
AREAS = [
    "Marketing", "Demand Generation", "Growth Marketing", "Product Marketing", "Sales",
    "Business Development", "Revenue Operations", "IT", "Information Security", "Engineering",
    "Data & Analytics", "Finance", "FP&A", "Operations", "Customer Success", "People",
    "Legal", "Procurement",
]  # fmt: skip
TITLE_PATTERNS = [
    ("{a} Specialist", 10), ("{a} Analyst", 8), ("{a} Manager", 14), ("Senior {a} Manager", 5),
    ("{a} Team Lead", 3), ("Director of {a}", 6), ("Head of {a}", 4), ("VP of {a}", 3),
    ("Vice President, {a}", 2), ("SVP \u2013 {a}", 1), ("{a}\u00a0Coordinator", 2),
]  # fmt: skip
SPECIAL_TITLES = [
    ("CEO", 3), ("Chief Marketing Officer", 2), ("CFO", 1), ("CTO", 1), ("Founder & CEO", 2),
    ("Co-founder", 1), ("Owner", 1), ("Managing Director", 1), ("Geschäftsführer", 1),
    ("Directeur Général", 1), ("Jefe de Ventas", 1), ("Software Engineer", 6),
    ("Account Executive", 5), ("Sales Development Representative", 4), ("Student", 1),
    ("Marketing Intern", 1), ("", 3),
]  # fmt: skip
TOUCHPOINT_TYPES = [
    ("page_view", 45.0), ("email_open", 25.0), ("email_click", 8.0), ("ad_click", 4.0),
    ("form_submit", 3.0), ("content_download", 3.0), ("webinar_registered", 2.5),
    ("webinar_attended", 1.5), ("event_attended", 1.0), ("demo_request", 0.8),
    ("trial_signup", 0.7), ("meeting", 1.0), ("sales_call", 1.5), ("sales_email", 3.0),
]  # fmt: skip
PATHS = [
    ("/", 20), ("/pricing", 8), ("/product", 10), ("/product/scoring", 5), ("/blog/mql-vs-sql", 6),
    ("/blog/lead-scoring-101", 6), ("/customers", 4), ("/careers", 3), ("/careers/sdr-berlin", 1),
    ("/Careers/Engineering", 1), ("/docs/api", 4), ("/webinars/alignment", 3), ("/demo", 2),
]  # fmt: skip
SITE = "https://www.lumen-analytics.example"


def pick(
    rng: np.random.Generator, pool: list[tuple[str, float]], size: int
) -> tuple[list[str], np.ndarray]:
    weights = np.array([w for _, w in pool], dtype=float)
    return [v for v, _ in pool], rng.choice(len(pool), size=size, p=weights / weights.sum())


def strings(values: list[str], indices: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(indices))


def with_nulls(array: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.nulls(len(array), array.type), array)


def make_contacts(rng: np.random.Generator, n: int) -> pa.Table:
    n_accounts = max(1, n // 8)
    industries, industry_of = pick(rng, INDUSTRIES, n_accounts)
    countries, country_of = pick(rng, COUNTRIES, n_accounts)
    employees = np.clip(rng.lognormal(np.log(180), 1.45, n_accounts), 2, 50_000).astype(np.int64)
    revenue = np.round(employees * rng.lognormal(np.log(200_000), 0.5, n_accounts), -4)
    # Big accounts have many contacts: pick accounts in proportion to size**0.45.
    account_weights = employees**0.45
    account = rng.choice(n_accounts, size=n, p=account_weights / account_weights.sum())
    no_account = rng.random(n) < 0.15

    free_domains = sorted(FREE_EMAIL_DOMAINS)
    free_weights = np.array([30.0 if d == "gmail.com" else 1.0 for d in free_domains])
    free = rng.choice(len(free_domains), size=n, p=free_weights / free_weights.sum())
    uses_free = no_account | (rng.random(n) < 0.05)
    domain_texts = pc.binary_join_element_wise(
        "co", pc.cast(pa.array(account), pa.string()), ".example", ""
    )
    email_domain = pc.if_else(pa.array(uses_free), strings(free_domains, free), domain_texts)

    patterns = [(p.format(a=a), w / len(AREAS)) for p, w in TITLE_PATTERNS for a in AREAS]
    titles, title_of = pick(rng, patterns + SPECIAL_TITLES, n)
    job_title = with_nulls(strings(titles, title_of), rng.random(n) < 0.02)

    seniorities = ["individual", "manager", "director", "vp", "c_level", "owner"]
    personas = ["marketing", "sales", "it", "engineering", "finance", "operations", "hr", "other"]
    # About half the contacts come without seniority or persona, blank or null.
    seniority = strings(["", *seniorities], rng.integers(1, len(seniorities) + 1, n))
    seniority = pc.if_else(pa.array(rng.random(n) < 0.25), "", seniority)
    seniority = with_nulls(seniority, rng.random(n) < 0.3)
    persona = strings(personas, rng.integers(0, len(personas), n))
    persona = with_nulls(persona, rng.random(n) < 0.5)

    def account_column(values: pa.Array) -> pa.Array:
        return with_nulls(values.take(pa.array(account)), no_account)

    contact_country = strings([c for c, _ in COUNTRIES], pick(rng, COUNTRIES, n)[1])
    return pa.table(
        {
            "contact_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
            "email_domain": email_domain,
            "job_title": job_title,
            "seniority": seniority,
            "persona": persona,
            "country": with_nulls(contact_country, rng.random(n) < 0.1),
            "has_account": pa.array(~no_account),
            "industry": account_column(strings(industries, industry_of)),
            "employee_count": account_column(pa.array(employees)),
            "annual_revenue": account_column(pa.array(revenue)),
            "account_country": account_column(strings(countries, country_of)),
        }
    )


def make_touchpoints(rng: np.random.Generator, n_contacts: int, n: int) -> pa.Table:
    # Heavy-tailed activity: most contacts do little, a few do a lot; some do nothing.
    activity = rng.lognormal(0.0, 1.3, n_contacts)
    activity[rng.random(n_contacts) < 0.1] = 0.0
    contact = rng.choice(n_contacts, size=n, p=activity / activity.sum()) + 1
    types, type_of = pick(rng, TOUCHPOINT_TYPES, n)
    # A quarter of the activity is a recent burst, the rest tails off over
    # months; a few touchpoints are logged slightly in the future.
    recent = rng.random(n) < 0.25
    age_days = np.where(recent, rng.exponential(7.0, n), rng.exponential(120.0, n))
    age_days = np.minimum(age_days, 3 * 365.0)
    age_days[rng.random(n) < 0.002] *= -0.01
    age_us = (age_days * 86_400_000_000).astype(np.int64)
    now_us = (NOW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    occurred = pa.array(now_us - age_us, pa.timestamp("us", tz="UTC"))
    paths, path_of = pick(rng, PATHS, n)
    urls = strings([SITE + p for p in paths], path_of)
    has_url = np.isin(
        type_of, [types.index(t) for t in ("page_view", "form_submit", "content_download")]
    )
    return pa.table(
        {
            "contact_id": pa.array(contact.astype(np.int64)),
            "type": strings(types, type_of),
            "occurred_at": occurred,
            "url": with_nulls(urls, ~has_url),
        }
    )


def baseline(contacts: pa.Table, touchpoints: pa.Table) -> dict[int, tuple[object, ...]]:
    """The straightforward way: Python values, group by contact, score one at a time."""
    grouped: dict[int, list[TouchpointFact]] = defaultdict(list)
    for row in touchpoints.to_pylist():
        grouped[row["contact_id"]].append(
            TouchpointFact(type=row["type"], occurred_at=row["occurred_at"], url=row["url"] or "")
        )
    results: dict[int, tuple[object, ...]] = {}
    for values in contacts.to_pylist():
        contact_id = values["contact_id"]
        result = score_contact(DEFAULT_CONFIG, values, grouped.get(contact_id, ()), now=NOW)
        results[contact_id] = (
            result.fit,
            result.engagement,
            result.grade,
            explanation_json(result.contributions),
        )
    return results


def reset_peak_rss() -> bool:
    # Writing 5 to clear_refs resets the kernel's high-water mark (Linux only).
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_gib() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--touchpoints", type=int, default=10_000_000)
    parser.add_argument("--baseline-sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    contacts = make_contacts(rng, args.contacts)
    touchpoints = make_touchpoints(rng, args.contacts, args.touchpoints)
    generated = time.perf_counter() - started
    data_gib = (contacts.nbytes + touchpoints.nbytes) / 2**30
    print(f"generated {args.contacts:,} contacts and {args.touchpoints:,} touchpoints "
          f"({data_gib:.2f} GiB as Arrow) in {generated:.1f} s", file=sys.stderr)  # fmt: skip

    measured_bulk_peak = reset_peak_rss()
    started = time.perf_counter()
    scored = score_all(DEFAULT_CONFIG, contacts, touchpoints, now=NOW)
    bulk_seconds = time.perf_counter() - started
    bulk_peak = peak_rss_gib()
    print(f"bulk: {bulk_seconds:.2f} s, {scored.num_rows:,} rows", file=sys.stderr)

    sample_size = min(args.baseline_sample, args.contacts)
    sample_ids = pa.array(
        np.sort(rng.choice(np.arange(1, args.contacts + 1), size=sample_size, replace=False))
    )
    sample_contacts = contacts.filter(pc.is_in(contacts["contact_id"], sample_ids))
    sample_touchpoints = touchpoints.filter(pc.is_in(touchpoints["contact_id"], sample_ids))
    started = time.perf_counter()
    expected = baseline(sample_contacts, sample_touchpoints)
    sample_seconds = time.perf_counter() - started
    baseline_seconds = sample_seconds * args.contacts / sample_size
    print(f"baseline: {sample_seconds:.2f} s for {sample_size:,} contacts "
          f"({sample_touchpoints.num_rows:,} touchpoints)", file=sys.stderr)  # fmt: skip

    bulk_rows = scored.filter(pc.is_in(scored["contact_id"], sample_ids)).to_pylist()
    mismatches = [
        row["contact_id"]
        for row in bulk_rows
        if expected.get(row["contact_id"])
        != (row["fit_score"], row["engagement_score"], row["grade"], row["explanation"])
    ]
    if mismatches or len(bulk_rows) != sample_size:
        print(f"MISMATCH: {len(mismatches)} contacts differ, e.g. {mismatches[:5]}")
        sys.exit(1)

    grades = scored.group_by("grade").aggregate([("contact_id", "count")]).sort_by("grade")
    spread = ", ".join(
        f"{g} {c / scored.num_rows:.1%}"
        for g, c in zip(
            grades["grade"].to_pylist(), grades["contact_id_count"].to_pylist(), strict=True
        )
        if c / scored.num_rows >= 0.02
    )
    cores = len(os.sched_getaffinity(0))
    print(f"\n### {datetime.now(UTC):%Y-%m-%d} — {cores} cores ({cpu_model()}), "
          f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
          f"pyarrow {pa.__version__}\n")  # fmt: skip
    print("| contacts | touchpoints | bulk s | baseline s (extrapolated) | ratio | peak RSS |")
    print("|---|---|---|---|---|---|")
    peak = peak_rss_gib() if not measured_bulk_peak else max(bulk_peak, peak_rss_gib())
    print(
        f"| {args.contacts:,} | {args.touchpoints:,} | {bulk_seconds:.1f} | "
        f"{baseline_seconds:,.0f} | {baseline_seconds / bulk_seconds:,.0f}x | {peak:.1f} GiB |"
    )
    print(
        f"\nBaseline measured on {sample_size:,} random contacts ({sample_seconds:.1f} s, "
        f"{sample_touchpoints.num_rows:,} touchpoints) and extrapolated linearly to "
        f"{args.contacts:,}; the bulk results equal the baseline's on every sampled contact."
    )
    bulk_note = f"{bulk_peak:.1f} GiB during the bulk run" if measured_bulk_peak else "not measured"
    print(
        f"Peak RSS is the whole process (input data {data_gib:.2f} GiB as Arrow); "
        f"high-water mark {bulk_note}. Data generation took {generated:.1f} s (not timed)."
    )
    print(f"Grades (≥ 2%): {spread}.")


if __name__ == "__main__":
    main()
