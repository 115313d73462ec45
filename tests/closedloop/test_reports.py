"""Closed-loop reports on a small store whose every figure can be worked out by hand.

The store (``store`` fixture), in 2026:

contacts (created, source, account) and their stage history
  c1  Jan 10  webinar / Webinar campaign, Acme (Software, 120)
      lead Jan 10, mql Jan 12, sal Jan 15, sql Jan 20, opportunity Jan 25, customer Mar 1
  c2  Jan 20  paid search / Ads campaign, Globex (Retail, 8,000)
      subscriber Jan 20, lead Jan 24, mql Jan 30, nurture Feb 5
  c3  Feb 3   outbound sales, no campaign, no account
      lead Feb 3, sal Feb 7 (MQL skipped), sql Feb 10
  c4  Feb 15  webinar / Webinar campaign, Acme
      lead Feb 15, disqualified Feb 16
  c5  Apr 1   email, no campaign, Globex
      lead Apr 1, mql Apr 4

opportunities (amount, outcome, created, closed; committee)
  o1  30,000  won   Jan 25, closed Mar 1   c1
  o2  10,000  lost  Feb 1,  closed Feb 20  c2
  o3  20,000  open  Feb 12                 c3
  o4   5,000  won   Feb 20, closed Mar 2   c5 (no touches)
  o5   8,000  won   May 1,  closed May 11  nobody

touches
  c1  Webinar (webinar) Jan 8, Ads (paid search) Jan 20, email without campaign Feb 10,
      and Webinar on Mar 5, after o1 closed (outside its window)
  c2  Ads Jan 18, Webinar Jan 28
  c3  outbound sales without campaign Feb 2, Webinar Feb 11

Campaign costs: Webinar 1,000, Ads 4,000.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.closedloop import reports
from tandem.closedloop.credit import CreditRow
from tandem.core import funnel
from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    StageTransition,
    Touchpoint,
)

_keys = itertools.count(1)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


JAN_FEB = reports.Period(
    start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 3, 1, tzinfo=UTC)
)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    # Reports cache deal touches by a version of the data; rolled-back tests can reuse ids.
    cache.clear()


def _contact(
    email: str, created: datetime, history: list[tuple[str, datetime]], **fields: Any
) -> Contact:
    contact = Contact.objects.create(email=email, lifecycle_stage=history[-1][0], **fields)
    Contact.objects.filter(pk=contact.pk).update(created_at=created)
    before = ""
    for stage, when in history:
        StageTransition.objects.create(
            contact=contact,
            from_stage=before,
            to_stage=stage,
            kind="created" if not before else "advance",
            occurred_at=when,
        )
        before = stage
    return contact


def _touch(
    contact: Contact, when: datetime, channel: str, campaign: Campaign | None = None
) -> None:
    Touchpoint.objects.create(
        contact=contact,
        campaign=campaign,
        channel=channel,
        type="page_view",
        occurred_at=when,
        idempotency_key=f"report-{next(_keys)}",
    )


def _deal(
    account: Account,
    amount: int,
    outcome: str,
    created: datetime,
    closed: date | None,
    committee: list[Contact],
) -> Opportunity:
    deal = Opportunity.objects.create(
        account=account,
        name=f"Deal {amount}",
        amount=Decimal(amount),
        outcome=outcome,
        created_at=created,
        close_date=closed,
    )
    for member in committee:
        OpportunityContact.objects.create(opportunity=deal, contact=member, role="champion")
    return deal


@pytest.fixture
def store(db: None) -> dict[str, Any]:
    webinar = Campaign.objects.create(
        name="Webinar", channel="webinar", actual_cost=Decimal("1000")
    )
    ads = Campaign.objects.create(name="Ads", channel="paid_search", actual_cost=Decimal("4000"))
    acme = Account.objects.create(name="Acme", industry="Software", employee_count=120)
    globex = Account.objects.create(name="Globex", industry="Retail", employee_count=8000)
    c1 = _contact(
        "c1@acme.example",
        at(1, 10),
        [
            ("lead", at(1, 10)),
            ("mql", at(1, 12)),
            ("sal", at(1, 15)),
            ("sql", at(1, 20)),
            ("opportunity", at(1, 25)),
            ("customer", at(3, 1)),
        ],
        source_channel="webinar",
        original_campaign=webinar,
        account=acme,
    )
    c2 = _contact(
        "c2@globex.example",
        at(1, 20),
        [("subscriber", at(1, 20)), ("lead", at(1, 24)), ("mql", at(1, 30)), ("nurture", at(2, 5))],
        source_channel="paid_search",
        original_campaign=ads,
        account=globex,
    )
    c3 = _contact(
        "c3@solo.example",
        at(2, 3),
        [("lead", at(2, 3)), ("sal", at(2, 7)), ("sql", at(2, 10))],
        source_channel="outbound_sales",
    )
    _contact(
        "c4@acme.example",
        at(2, 15),
        [("lead", at(2, 15)), ("disqualified", at(2, 16))],
        source_channel="webinar",
        original_campaign=webinar,
        account=acme,
    )
    c5 = _contact(
        "c5@globex.example",
        at(4, 1),
        [("lead", at(4, 1)), ("mql", at(4, 4))],
        source_channel="email",
        account=globex,
    )
    _touch(c1, at(1, 8), "webinar", webinar)
    _touch(c1, at(1, 20), "paid_search", ads)
    _touch(c1, at(2, 10), "email")
    _touch(c1, at(3, 5), "webinar", webinar)
    _touch(c2, at(1, 18), "paid_search", ads)
    _touch(c2, at(1, 28), "webinar", webinar)
    _touch(c3, at(2, 2), "outbound_sales")
    _touch(c3, at(2, 11), "webinar", webinar)
    _deal(acme, 30_000, "won", at(1, 25), date(2026, 3, 1), [c1])
    _deal(globex, 10_000, "lost", at(2, 1), date(2026, 2, 20), [c2])
    _deal(acme, 20_000, "open", at(2, 12), None, [c3])
    _deal(globex, 5_000, "won", at(2, 20), date(2026, 3, 2), [c5])
    _deal(globex, 8_000, "won", at(5, 1), date(2026, 5, 11), [])
    return {"webinar": webinar, "ads": ads}


def tables(period: reports.Period = JAN_FEB) -> reports.Tables:
    return reports.Tables(period, lookback_days=365)


def reached(group: reports.FunnelGroup) -> list[int]:
    return [step.reached for step in group.steps]


# -- the funnel -----------------------------------------------------------------------


def test_funnel_over_all_time(store):
    report = reports.funnel_report(tables(reports.Period()), by="cohort")
    overall = report.overall

    # Furthest stages: c1 customer, c2 MQL, c3 SQL, c4 lead, c5 MQL.
    assert reached(overall) == [5, 5, 4, 2, 2, 1, 1]
    assert [s.conversion for s in overall.steps] == [1.0, 0.8, 0.5, 1.0, 0.5, 1.0, None]
    medians = {s.stage: s.median_days for s in overall.steps}
    # Subscriber: c2, 4 days. Lead: c1 2, c2 6, c3 4 (to SAL), c5 3 -> 3.5.
    # MQL: c1 3. SAL: c1 5, c3 3 -> 4. SQL: c1 5. Opportunity: Jan 25 to Mar 1, 35 days.
    assert medians == {
        "subscriber": 4.0,
        "lead": 3.5,
        "mql": 3.0,
        "sal": 4.0,
        "sql": 5.0,
        "opportunity": 35.0,
        "customer": None,
    }
    # Cohorts run from the first month to the last, empty months included.
    assert [g.key for g in report.cohorts] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert reached(report.cohorts[2]) == [0] * 7


def test_the_period_keeps_contacts_created_in_it(store):
    report = reports.funnel_report(tables(), by="cohort")

    # c5 (April) is out: one lead and one MQL fewer, and the lead median is 2, 6, 4 -> 4.
    assert reached(report.overall) == [4, 4, 3, 2, 2, 1, 1]
    assert report.overall.steps[1].median_days == 4.0
    january, february = report.groups
    assert (january.key, january.close_ratio) == ("2026-01", 0.5)  # c1 of c1, c2
    assert (february.key, february.close_ratio) == ("2026-02", 0.0)  # c3, c4
    assert report.cohorts == report.groups


def test_funnel_by_source_channel(store):
    groups = {g.label: g for g in reports.funnel_report(tables(), by="channel").groups}

    assert list(groups) == ["Webinar", "Outbound sales", "Paid search"]  # most contacts first
    assert reached(groups["Webinar"]) == [2, 2, 1, 1, 1, 1, 1]
    assert groups["Webinar"].close_ratio == 0.5
    assert reached(groups["Paid search"]) == [1, 1, 1, 0, 0, 0, 0]
    assert groups["Paid search"].steps[0].median_days == 4.0


def test_funnel_by_campaign_names_the_campaigns(store):
    groups = {g.label: g.contacts for g in reports.funnel_report(tables(), by="campaign").groups}

    assert groups == {"Webinar": 2, "Ads": 1, "No campaign": 1}


def test_funnel_by_industry_and_by_company_size(store):
    industry = {g.label: g.contacts for g in reports.funnel_report(tables(), by="industry").groups}
    size = {g.label: g.contacts for g in reports.funnel_report(tables(), by="size").groups}

    assert industry == {"Software": 2, "Retail": 1, "Unknown": 1}
    assert size == {"50-249 employees": 2, "5,000+ employees": 1, "Size unknown": 1}


def test_an_empty_range_gives_an_empty_funnel(store):
    period = reports.Period(start=datetime(2030, 1, 1, tzinfo=UTC))

    report = reports.funnel_report(tables(period), by="channel")

    assert report.overall.contacts == 0
    assert report.groups == () and report.cohorts == ()
    assert report.overall.close_ratio is None


def test_the_funnel_reads_a_fixed_number_of_queries(store, django_assert_num_queries):
    source = tables()
    # Contacts, their transitions, and the campaign names for the labels.
    with django_assert_num_queries(3):
        reports.funnel_report(source, by="campaign")


# -- opportunities --------------------------------------------------------------------


def test_win_rate_and_velocity_of_the_period(store):
    summary = reports.opportunity_summary(tables())

    assert (summary.open, summary.won, summary.lost) == (1, 2, 1)
    assert summary.win_rate == pytest.approx(2 / 3)
    velocity = summary.velocity
    assert velocity.average_deal == 17_500.0  # (30,000 + 5,000) / 2
    assert velocity.cycle_days == 22.5  # (35 + 10) / 2: Jan 25 to Mar 1, Feb 20 to Mar 2
    # 1 open x 2/3 x 17,500 / 22.5 days
    assert velocity.per_day == pytest.approx(1 * (2 / 3) * 17_500 / 22.5)
    assert summary.currencies == ("USD",)


def test_velocity_is_unknown_without_won_deals(db):
    empty = reports.opportunity_summary_from_table(reports.opportunities_table(reports.Period()))

    assert (empty.open, empty.won, empty.lost, empty.win_rate) == (0, 0, 0, None)
    assert empty.velocity.per_day is None


# -- sourced, influenced and generated ------------------------------------------------


def rows_by_key(rows: list[reports.SourceRow]) -> dict[str, tuple[Any, ...]]:
    return {
        r.key: (
            r.sourced_deals,
            r.sourced_pipeline,
            r.sourced_revenue,
            r.influenced_deals,
            r.influenced_pipeline,
            r.influenced_revenue,
        )
        for r in rows
    }


def test_sourced_and_influenced_by_channel(store):
    credit = reports.deal_credit(tables(), by="channel")

    # o1's first touch is the webinar; o2's is paid search; o3's is outbound sales; o4
    # has none. Influenced: every channel with a touch in the deal's window gets it all;
    # c1's webinar touch after o1 closed does not count.
    assert [r.key for r in credit.rows] == ["webinar", "paid_search", "email", "outbound_sales"]
    assert rows_by_key(credit.rows) == {
        "webinar": (1, 30_000.0, 30_000.0, 3, 60_000.0, 30_000.0),
        "paid_search": (1, 10_000.0, 0.0, 2, 40_000.0, 30_000.0),
        "email": (0, 0.0, 0.0, 1, 30_000.0, 30_000.0),
        "outbound_sales": (1, 20_000.0, 0.0, 1, 20_000.0, 0.0),
    }
    assert credit.rows[0].label == "Webinar"
    # Sourced adds up to the pipeline of the deals with a touch (o1, o2, o3).
    assert sum(r.sourced_pipeline for r in credit.rows) == 60_000.0


def test_sourced_and_influenced_by_campaign(store):
    credit = reports.deal_credit(tables(), by="campaign")
    webinar, ads = str(store["webinar"].pk), str(store["ads"].pk)

    # Touches without a campaign (c1's email, c3's outbound call) share the key "".
    assert rows_by_key(credit.rows) == {
        webinar: (1, 30_000.0, 30_000.0, 3, 60_000.0, 30_000.0),
        "": (1, 20_000.0, 0.0, 2, 50_000.0, 30_000.0),
        ads: (1, 10_000.0, 0.0, 2, 40_000.0, 30_000.0),
    }
    assert [r.label for r in credit.rows] == ["Webinar", "No campaign", "Ads"]


def test_marketing_and_sales_generated(store):
    generated = {g.key: g for g in reports.deal_credit(tables(), by="channel").generated}

    # o1 (webinar) and o2 (paid search) are marketing's; o3 (outbound) is sales'; o4 has
    # no touch at all.
    assert (generated["marketing"].deals, generated["marketing"].pipeline) == (2, 40_000.0)
    assert (generated["marketing"].won, generated["marketing"].revenue) == (1, 30_000.0)
    assert (generated["sales"].deals, generated["sales"].pipeline) == (1, 20_000.0)
    assert generated["sales"].revenue == 0.0
    assert (generated["none"].deals, generated["none"].revenue) == (1, 5_000.0)
    assert [g.label for g in generated.values()] == [
        "Marketing-generated",
        "Sales-generated",
        "No touch recorded",
    ]


def test_all_time_adds_the_may_deal_without_a_committee(store):
    generated = {
        g.key: g for g in reports.deal_credit(tables(reports.Period()), by="channel").generated
    }

    assert (generated["none"].deals, generated["none"].revenue) == (2, 13_000.0)


def test_deal_touches_are_read_once_and_then_cached(store, django_assert_num_queries):
    reports.deal_credit(tables(), by="channel")
    again = tables()

    # The data version (3 aggregates), the opportunities and the campaign names; the
    # touches come from the cache.
    with django_assert_num_queries(5) as captured:
        reports.deal_credit(again, by="campaign")
    assert not any(
        "crm_touchpoint" in q["sql"]
        and "crm_opportunitycontact" in q["sql"]
        and "COUNT" not in q["sql"]
        for q in captured.captured_queries
    )


def _table(**columns: tuple[pa.DataType, list[Any]]) -> pa.Table:
    return pa.table({name: pa.array(values, kind) for name, (kind, values) in columns.items()})


def test_first_touch_ties_are_broken_by_touch_id():
    same = datetime(2026, 1, 1, tzinfo=UTC)
    opportunities = _table(
        opportunity_id=(pa.int64(), [1]),
        amount=(pa.float64(), [100.0]),
        outcome=(pa.string(), ["won"]),
        created_at=(pa.timestamp("us", tz="UTC"), [same]),
        close_date=(pa.date32(), [date(2026, 2, 1)]),
        currency=(pa.string(), ["USD"]),
    )
    touches = _table(
        opportunity_id=(pa.int64(), [1, 1]),
        touch_id=(pa.int64(), [9, 4]),
        occurred_at=(pa.timestamp("us", tz="UTC"), [same, same]),
        channel=(pa.string(), ["email", "outbound_sales"]),
        campaign_id=(pa.int64(), [None, None]),
    )

    rows = reports.sourced_influenced_from_tables(opportunities, touches, by="channel")
    generated = reports.generated_from_tables(opportunities, touches)

    assert {r.key: r.sourced_deals for r in rows} == {"outbound_sales": 1, "email": 0}
    assert [(g.key, g.deals) for g in generated] == [("marketing", 0), ("sales", 1), ("none", 0)]


# -- campaign ROI ---------------------------------------------------------------------


def credit_row(key: str, revenue: float, *, label: str = "", channel: str = "") -> CreditRow:
    return CreditRow(
        key=key,
        label=label,
        channel=channel,
        cost=None,
        opportunities=1.0,
        pipeline=revenue,
        deals_won=1.0,
        revenue=revenue,
    )


def test_roi_is_attributed_revenue_over_cost_for_each_model():
    campaigns = {
        "1": ("Webinar", "webinar", 1000.0),
        "2": ("Ads", "paid_search", 4000.0),
        "3": ("Website", "direct", None),
    }
    credit = {
        "first_touch": [credit_row("1", 3000.0), credit_row("2", 1000.0)],
        "markov": [
            credit_row("2", 2500.0),
            credit_row("1", 1000.0),
            credit_row("~email", 500.0, label="Email (no campaign)", channel="email"),
        ],
    }

    table = reports.roi_from_credit(credit, campaigns)

    assert table.models == [("first_touch", "First touch"), ("markov", "Data-driven: Markov chain")]
    rows = {r.label: [(c.revenue, c.roi) for c in r.cells] for r in table.rows}
    assert rows == {
        "Webinar": [(3000.0, 3.0), (1000.0, 1.0)],
        "Ads": [(1000.0, 0.25), (2500.0, 0.625)],
        "Website": [(0.0, None), (0.0, None)],  # no cost, no ROI
        "Email (no campaign)": [(0.0, None), (500.0, None)],
    }
    # Campaigns first, by the first model's revenue; credit without a campaign last.
    assert [r.label for r in table.rows] == ["Webinar", "Ads", "Website", "Email (no campaign)"]
    assert table.rows[-1].cost is None and table.rows[1].channel == "Paid search"
    # Totals over campaigns with a cost: 5,000 spent; 4,000 and 3,500 credited.
    assert table.total_cost == 5000.0
    assert [(c.revenue, c.roi) for c in table.totals] == [(4000.0, 0.8), (3500.0, 0.7)]


def test_campaign_roi_under_first_touch_from_the_store(store):
    table = reports.campaign_roi(tables(), models=["first_touch"])
    roi = {r.label: (r.cost, r.cells[0].revenue, r.cells[0].roi) for r in table.rows}

    # The only won deal with touches is o1 (30,000), first touched by the webinar.
    assert roi["Webinar"] == (1000.0, 30_000.0, 30.0)
    assert roi["Ads"] == (4000.0, 0.0, 0.0)
    assert table.total_cost == 5000.0
    assert table.totals[0].roi == 6.0


# -- the SQL agrees with the definitions in tandem.core.funnel -------------------------

STAGES = [*funnel.FUNNEL_STAGES, "nurture", "disqualified"]
history_strategy = st.lists(
    st.lists(st.tuples(st.sampled_from(STAGES), st.integers(0, 60 * 24)), min_size=1, max_size=6),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history_strategy)
def test_duckdb_funnel_matches_the_core_definitions(histories: list[list[tuple[str, int]]]):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    contacts = {
        "contact_id": [],
        "created_at": [],
        "source_channel": [],
        "campaign_id": [],
        "industry": [],
        "employee_count": [],
    }
    transitions: dict[str, list[Any]] = {"contact_id": [], "to_stage": [], "occurred_at": []}
    for number, history in enumerate(histories, start=1):
        contacts["contact_id"].append(number)
        contacts["created_at"].append(start)
        contacts["source_channel"].append("email")
        contacts["campaign_id"].append(None)
        contacts["industry"].append(None)
        contacts["employee_count"].append(None)
        for stage, minutes in history:
            transitions["contact_id"].append(number)
            transitions["to_stage"].append(stage)
            transitions["occurred_at"].append(start + timedelta(minutes=minutes))
    contact_table = pa.table(
        {
            "contact_id": pa.array(contacts["contact_id"], pa.int64()),
            "created_at": pa.array(contacts["created_at"], pa.timestamp("us", tz="UTC")),
            "source_channel": pa.array(contacts["source_channel"], pa.string()),
            "campaign_id": pa.array(contacts["campaign_id"], pa.int64()),
            "industry": pa.array(contacts["industry"], pa.string()),
            "employee_count": pa.array(contacts["employee_count"], pa.int64()),
        }
    )
    transition_table = pa.table(
        {
            "contact_id": pa.array(transitions["contact_id"], pa.int64()),
            "to_stage": pa.array(transitions["to_stage"], pa.string()),
            "occurred_at": pa.array(transitions["occurred_at"], pa.timestamp("us", tz="UTC")),
        }
    )

    report = reports.funnel_from_tables(contact_table, transition_table, by="channel")

    expected_counts = funnel.reached_counts(
        funnel.furthest_stage(stage for stage, _ in history) for history in histories
    )
    assert tuple(reached(report.overall)) == expected_counts
    durations = [
        funnel.stage_durations([(stage, start + timedelta(minutes=m)) for stage, m in history])
        for history in histories
    ]
    for step in report.overall.steps:
        expected = funnel.median(d[step.stage] for d in durations if step.stage in d)
        if expected is None:
            assert step.median_days is None
        else:
            assert step.median_days == pytest.approx(expected)
