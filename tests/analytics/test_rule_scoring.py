"""The bulk engine gives, contact by contact, exactly what ``score_contact`` gives."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.analytics.rule_scoring import OUTPUT_SCHEMA, score_all, score_batches
from tandem.core.scoring import (
    DEFAULT_CONFIG,
    ScoringConfig,
    TouchpointFact,
    explanation_json,
    score_contact,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

# Exercises every part of the engine: text, number, decimal and boolean fields,
# named lists, case folding beyond ASCII, derived values, fractional and
# negative engagement points, caps, and negative rules by type, URL or both.
CONFIG = ScoringConfig.from_dict(
    {
        "fit_rules": [
            {"name": "Senior", "condition": 'seniority in ("vp", "c_level", "owner")',
             "points": 30},
            {"name": "Director", "condition": 'seniority == "director"', "points": 20},
            {"name": "Buyer", "condition": 'persona in ("marketing", "sales")', "points": 15},
            {"name": "Mid-size", "condition": "employee_count >= 200 and employee_count < 1000",
             "points": 20},
            {"name": "Revenue 10M+", "condition": "annual_revenue >= 10000000.5", "points": 10},
            {"name": "Software", "condition": 'industry == "SOFTWARE"', "points": 12},
            {"name": "German street", "condition": 'job_title contains "strasse"', "points": 3},
            {"name": "No country", "condition": "country is empty", "points": -4},
            {"name": "Not in core markets",
             "condition": 'not country in ("US", "DE", "GB") and not country is empty',
             "points": -6},
            {"name": "Free email \"domain\"", "condition": "email_domain in free_email_domains",
             "points": -15},
            {"name": "Has account", "condition": "has_account == true", "points": 5},
        ],
        "engagement_rules": [
            {"touchpoint_type": "demo_request", "points": 25},
            {"touchpoint_type": "page_view", "points": 0.7, "cap": 6.5},
            {"touchpoint_type": "email_open", "points": 0.3, "cap": 2},
            {"touchpoint_type": "webinar_attended", "points": 11.11},
            {"touchpoint_type": "sales_email", "points": -0.25},
        ],
        "negative_rules": [
            {"name": "Careers page", "url_contains": "/careers", "points": -5},
            {"name": "Unsubscribed", "touchpoint_type": "unsubscribe", "points": -12.5},
            {"name": "Job form", "touchpoint_type": "form_submit", "url_contains": "/Jobs/",
             "points": -3.3},
        ],
        "half_life_days": 7.3,
        "grade_thresholds": [80, 45, 10],
    }
)  # fmt: skip

CONTACT_SCHEMA = pa.schema(
    [
        ("contact_id", pa.int64()),
        ("job_title", pa.string()),
        ("seniority", pa.string()),
        ("persona", pa.string()),
        ("email_domain", pa.string()),
        ("industry", pa.string()),
        ("country", pa.string()),
        ("employee_count", pa.int64()),
        ("annual_revenue", pa.float64()),
        ("has_account", pa.bool_()),
    ]
)
TOUCHPOINT_SCHEMA = pa.schema(
    [
        ("contact_id", pa.int64()),
        ("type", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("url", pa.string()),
    ]
)

TITLES = [
    "VP Sales", "Chief Marketing Officer", "Head of IT", "Software Engineer", "Founder & CEO",
    "Straße Manager", "STRASSE Director", "Geschäftsführer", "Vice President, Legal",
    "Marketing\u00a0Coordinator", "Directeur Général", "Student", "ꭰᏸ Analyst", "", None,
]  # fmt: skip
URLS = [
    None, "", "https://x.example/careers", "https://x.example/CAREERS/eng",
    "https://x.example/career\u017f", "https://x.example/pricing", "https://x.example/Jobs/apply",
    "https://x.example/jobs/apply", "https://x.example/straße",
]  # fmt: skip
TYPES = [
    "page_view", "page_view", "page_view", "email_open", "email_open", "demo_request",
    "webinar_attended", "sales_email", "form_submit", "unsubscribe", "ad_click", "meeting",
]  # fmt: skip


def make_data(seed: int, contacts: int, touchpoints: int) -> tuple[pa.Table, pa.Table]:
    rng = random.Random(seed)
    rows = [
        {
            "contact_id": contact_id,
            "job_title": rng.choice(TITLES),
            "seniority": rng.choice([None, "", "", "vp", "manager", "individual"]),
            "persona": rng.choice([None, "", "sales", "it"]),
            "email_domain": rng.choice(["gmail.com", "GMAIL.COM", "acme.example", None, ""]),
            "industry": rng.choice(["Software", "software", "Retail", None]),
            "country": rng.choice(["US", "de", "BR", "", None]),
            "employee_count": rng.choice([None, 5, 200, 999, 1000, 50_000]),
            "annual_revenue": rng.choice([None, 1e6, 10_000_000.0, 10_000_001.0, float("nan")]),
            "has_account": rng.choice([None, True, False]),
        }
        for contact_id in range(1, contacts + 1)
    ]
    events = []
    for _ in range(touchpoints):
        # Ages from the future to several years ago, to the microsecond.
        age = rng.choice([0, rng.uniform(-5, 0), rng.uniform(0, 30), rng.uniform(0, 2000)])
        events.append(
            {
                # Some touchpoints belong to no known contact; some contacts have none.
                "contact_id": rng.randint(1, contacts + 5),
                "type": rng.choice(TYPES),
                "occurred_at": NOW - timedelta(days=age),
                "url": rng.choice(URLS),
            }
        )
    # A burst that runs into the page-view and email-open caps.
    events += [
        {"contact_id": 1, "type": kind, "occurred_at": NOW, "url": None}
        for kind in ["page_view"] * 20 + ["email_open"] * 10
    ]
    # Incomplete rows are ignored.
    events += [
        {"contact_id": None, "type": "demo_request", "occurred_at": NOW, "url": None},
        {"contact_id": 2, "type": None, "occurred_at": NOW, "url": "/careers"},
        {"contact_id": 2, "type": "demo_request", "occurred_at": None, "url": None},
    ]
    return (
        pa.Table.from_pylist(rows, schema=CONTACT_SCHEMA),
        pa.Table.from_pylist(events, schema=TOUCHPOINT_SCHEMA),
    )


def reference(
    config: ScoringConfig, contacts: pa.Table, touchpoints: pa.Table
) -> dict[int, tuple[Any, ...]]:
    """score_contact for every contact, with rows as a caller reading Arrow would have them."""
    grouped: dict[int, list[TouchpointFact]] = defaultdict(list)
    for row in touchpoints.to_pylist():
        if None in (row["contact_id"], row["type"], row["occurred_at"]):
            continue
        grouped[row["contact_id"]].append(
            TouchpointFact(
                type=row["type"], occurred_at=row["occurred_at"], url=row.get("url") or ""
            )
        )
    results = {}
    for values in contacts.to_pylist():
        result = score_contact(config, values, grouped[values["contact_id"]], now=NOW)
        results[values["contact_id"]] = (
            result.fit,
            result.engagement,
            result.grade,
            explanation_json(result.contributions),
        )
    return results


def bulk(scored: pa.Table) -> dict[int, tuple[Any, ...]]:
    return {
        row["contact_id"]: (
            row["fit_score"],
            row["engagement_score"],
            row["grade"],
            row["explanation"],
        )
        for row in scored.to_pylist()
    }


@pytest.fixture(scope="module")
def data() -> tuple[pa.Table, pa.Table]:
    return make_data(seed=7, contacts=400, touchpoints=6000)


def test_bulk_equals_reference_for_every_contact(data: tuple[pa.Table, pa.Table]) -> None:
    contacts, touchpoints = data

    scored = score_all(CONFIG, contacts, touchpoints, now=NOW)

    assert scored.schema == OUTPUT_SCHEMA
    expected = reference(CONFIG, contacts, touchpoints)
    assert bulk(scored) == expected
    # The data really exercises the edge cases.
    explanations = " ".join(e for _, _, _, e in expected.values())
    needles = [
        "title → seniority",
        "Careers page",
        "Unsubscribed",
        "Job form",
        '"rule":"page_view","points":6.5',
        '"rule":"sales_email","points":-',
    ]
    for needle in needles:
        assert needle in explanations
    assert {grade[0] for _, _, grade, _ in expected.values()} == set("ABCD")


def test_default_config_agrees_as_well(data: tuple[pa.Table, pa.Table]) -> None:
    contacts, touchpoints = data

    scored = score_all(DEFAULT_CONFIG, contacts, touchpoints, now=NOW)

    assert bulk(scored) == reference(DEFAULT_CONFIG, contacts, touchpoints)


def test_dictionary_text_decimals_and_missing_columns(data: tuple[pa.Table, pa.Table]) -> None:
    contacts, touchpoints = data
    # As a caller might build them: dictionary-encoded text, revenue as
    # decimals, narrower ids, no seniority column at all and no URLs.
    contacts = contacts.drop_columns(["seniority"])
    for name in ("job_title", "industry", "persona"):
        index = contacts.schema.get_field_index(name)
        contacts = contacts.set_column(index, name, pc.dictionary_encode(contacts[name]))
    revenue = [
        None if v is None or v != v else Decimal(str(v))
        for v in contacts["annual_revenue"].to_pylist()
    ]
    contacts = contacts.set_column(
        contacts.schema.get_field_index("annual_revenue"),
        "annual_revenue",
        pa.array(revenue, pa.decimal128(14, 2)),
    )
    contacts = contacts.set_column(0, "contact_id", pc.cast(contacts["contact_id"], pa.int32()))
    touchpoints = touchpoints.drop_columns(["url"])

    scored = score_all(CONFIG, contacts, touchpoints, now=NOW)

    assert bulk(scored) == reference(CONFIG, contacts, touchpoints)


def test_config_without_rules_scores_everyone_d4(data: tuple[pa.Table, pa.Table]) -> None:
    contacts, touchpoints = data
    empty = ScoringConfig.from_dict(
        {
            "title_tables": {"seniority": [], "persona": []},
            "fit_rules": [],
            "engagement_rules": [],
            "negative_rules": [],
            "half_life_days": 30,
        }
    )

    scored = score_all(empty, contacts, touchpoints, now=NOW)

    assert set(bulk(scored).values()) == {(0, 0, "D4", "[]")}
    assert scored.num_rows == contacts.num_rows


def test_batches_hold_the_same_rows(data: tuple[pa.Table, pa.Table]) -> None:
    contacts, touchpoints = data

    batches = list(score_batches(CONFIG, contacts, touchpoints, now=NOW, batch_size=64))

    assert len(batches) > 1
    assert bulk(pa.Table.from_batches(batches)) == bulk(
        score_all(CONFIG, contacts, touchpoints, now=NOW)
    )


def test_runs_on_the_callers_connection_and_leaves_it_clean(
    data: tuple[pa.Table, pa.Table],
) -> None:
    contacts, touchpoints = data
    con = duckdb.connect()
    con.execute("SET threads = 1")

    scored = score_all(CONFIG, contacts, touchpoints, now=NOW, con=con)

    assert scored.num_rows == contacts.num_rows
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [
        (0,)
    ]
    assert con.execute("SELECT 42").fetchall() == [(42,)]


def test_explanation_is_json_in_the_documented_shape(data: tuple[pa.Table, pa.Table]) -> None:
    contacts, touchpoints = data

    scored = score_all(CONFIG, contacts, touchpoints, now=NOW)

    for text in scored["explanation"].to_pylist():
        for item in json.loads(text):
            assert set(item) == {"kind", "rule", "points"}
            assert item["kind"] in ("fit", "engagement", "negative")


def naive(times: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.cast(times, pa.timestamp("us"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c, t: (c.drop_columns(["contact_id"]), t), "contacts need a contact_id column"),
        (lambda c, t: (c, t.drop_columns(["type"])), "touchpoints need a type column"),
        (
            lambda c, t: (c.set_column(0, "contact_id", pc.cast(c["contact_id"], pa.string())), t),
            "contacts.contact_id must be an integer, not VARCHAR",
        ),
        (
            lambda c, t: (c, t.set_column(2, "occurred_at", naive(t["occurred_at"]))),
            "touchpoints.occurred_at must be a timestamp with a time zone, not TIMESTAMP",
        ),
        (
            lambda c, t: (c.set_column(1, "job_title", pa.array([1] * c.num_rows)), t),
            "contacts.job_title must be text, not BIGINT",
        ),
        (
            lambda c, t: (c.append_column("__tandem_x", pa.array([1] * c.num_rows)), t),
            "contact column '__tandem_x' uses the reserved prefix",
        ),
    ],
)  # fmt: skip
def test_unusable_inputs_are_refused(
    data: tuple[pa.Table, pa.Table], change: Any, message: str
) -> None:
    contacts, touchpoints = change(*data)

    with pytest.raises(ValueError, match=message):
        score_all(CONFIG, contacts, touchpoints, now=NOW)


def test_naive_now_is_refused(data: tuple[pa.Table, pa.Table]) -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        score_all(CONFIG, *data, now=datetime(2026, 1, 1))


@st.composite
def small_company(draw: st.DrawFn) -> tuple[pa.Table, pa.Table]:
    seed = draw(st.integers(0, 2**32))
    contacts = draw(st.integers(1, 12))
    touchpoints = draw(st.integers(0, 60))
    return make_data(seed, contacts, touchpoints)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(company=small_company())
def test_bulk_equals_reference_on_generated_companies(
    con: duckdb.DuckDBPyConnection, company: tuple[pa.Table, pa.Table]
) -> None:
    contacts, touchpoints = company

    scored = score_all(CONFIG, contacts, touchpoints, now=NOW, con=con)

    assert bulk(scored) == reference(CONFIG, contacts, touchpoints)


TITLE_WORDS = st.sampled_from(
    ["VP", "vice", "President", "chief", "CTO", "Head", "of", "Sales", "marketing", "IT",
     "co", "founder", "Straße", "İT", "ﬁnance", "r&d", "fp&a", "Geschäftsführer", "MVP"]
)  # fmt: skip
TITLE_GLUE = st.sampled_from([" ", "-", ", ", "\u00a0", "\u2013", "/", "", "\u3000", "é", "_"])


@st.composite
def titles(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(TITLE_WORDS, st.text(max_size=3)), max_size=5))
    return "".join(part + draw(TITLE_GLUE) for part in parts)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job_titles=st.lists(titles(), min_size=1, max_size=40))
def test_titles_are_classified_as_the_reference_does(
    con: duckdb.DuckDBPyConnection, job_titles: list[str]
) -> None:
    contacts = pa.table(
        {
            "contact_id": pa.array(range(len(job_titles)), pa.int64()),
            "job_title": pa.array(job_titles, pa.string()),
        }
    )
    touchpoints = pa.Table.from_pylist([], schema=TOUCHPOINT_SCHEMA)

    scored = score_all(CONFIG, contacts, touchpoints, now=NOW, con=con)

    assert bulk(scored) == reference(CONFIG, contacts, touchpoints)
