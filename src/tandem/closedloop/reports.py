"""Closed-loop reports: the funnel, close ratios, velocity, sourced and influenced revenue, ROI.

Each report reads the rows it needs from the store into Arrow tables with one plain
query apiece (no model instances), then aggregates them in DuckDB; Python only sees
the aggregated rows. The ``*_from_tables`` functions do the DuckDB part on tables
given to them, so tests can feed them hand-made tables. What each figure means is
defined in :mod:`tandem.core.funnel` and ``docs/closedloop.md``.

Timestamps are handed to DuckDB as naive UTC (DuckDB would need extra modules to
return zone-aware values), so every month boundary here is a UTC month.
"""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from django.db import connection
from django.db.models import Count, QuerySet

from tandem.closedloop import credit, journeys
from tandem.closedloop.credit import CreditRow
from tandem.closedloop.models import MODEL_CHOICES
from tandem.core import funnel
from tandem.crm.choices import Channel
from tandem.crm.models import (
    Campaign,
    Contact,
    Opportunity,
    StageTransition,
)

# The dimensions the funnel can be broken down by, in the order the page offers them.
BREAKDOWNS: dict[str, str] = {
    "cohort": "Month created (cohort)",
    "channel": "Source channel",
    "campaign": "Original campaign",
    "industry": "Industry",
    "size": "Company size",
}
# What sourced and influenced pipeline can be grouped by.
CREDIT_GROUPS: dict[str, str] = {"channel": "Channel", "campaign": "Campaign"}
MODEL_LABELS: dict[str, str] = dict(MODEL_CHOICES)
CHANNEL_LABELS: dict[str, str] = {str(value): str(label) for value, label in Channel.choices}

SALES_CHANNEL = Channel.OUTBOUND_SALES.value
NO_CAMPAIGN = "No campaign"
UNKNOWN = "Unknown"


@dataclass(frozen=True, kw_only=True)
class Period:
    """Records created from ``start`` (inclusive) to ``end`` (exclusive); None is open."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("Period bounds must be timezone-aware")

    def filter(self, qs: QuerySet[Any], field_name: str) -> QuerySet[Any]:
        if self.start is not None:
            qs = qs.filter(**{f"{field_name}__gte": self.start})
        if self.end is not None:
            qs = qs.filter(**{f"{field_name}__lt": self.end})
        return qs


# ---------------------------------------------------------------------------
# Reading the store


def _naive_utc(values: list[Any]) -> pa.Array:
    """Timestamps as naive UTC, whether the driver hands them over as text or datetimes."""
    if values and isinstance(values[0], str):
        when = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    else:
        when = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return pa.Array.from_pandas(when.dt.tz_localize(None)).cast(pa.timestamp("us"))


def _dates(values: list[Any]) -> pa.Array:
    return pa.array(
        [date.fromisoformat(v) if isinstance(v, str) else v for v in values], pa.date32()
    )


def _floats(values: list[Any]) -> pa.Array:
    return pa.array([None if v is None else float(v) for v in values], pa.float64())


def _texts(values: list[Any]) -> pa.Array:
    return pa.array([v or None for v in values], pa.string())


def _ints(values: list[Any]) -> pa.Array:
    return pa.array(values, pa.int64())


_Column = Callable[[list[Any]], pa.Array]


def _read(qs: QuerySet[Any], columns: Mapping[str, tuple[str, _Column]]) -> pa.Table:
    """Run ``qs.values_list(...)`` with a plain cursor and build the table column by column.

    ``columns`` maps each output name to (the ORM path to read, how to build its array).
    """
    paths = [path for path, _ in columns.values()]
    sql, params = qs.order_by().values_list(*paths).query.sql_with_params()
    with _collector_paused(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        data = list(zip(*rows, strict=True)) if rows else [() for _ in paths]
        del rows
    return pa.table(
        {
            name: build(list(values))
            for (name, (_, build)), values in zip(columns.items(), data, strict=True)
        }
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows are read.

    Tens of thousands of row tuples trigger collection after collection, each scanning
    every tuple made so far, which took longer than the query itself. Tuples of plain
    values cannot form cycles, so nothing is lost by collecting once afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def contacts_table(period: Period) -> pa.Table:
    """Contacts created in ``period`` with what the funnel can be broken down by."""
    return _read(
        period.filter(Contact.objects.all(), "created_at"),
        {
            "contact_id": ("id", _ints),
            "created_at": ("created_at", _naive_utc),
            "source_channel": ("source_channel", _texts),
            "campaign_id": ("original_campaign_id", _ints),
            "industry": ("account__industry", _texts),
            "employee_count": ("account__employee_count", _ints),
        },
    )


def transitions_table(period: Period) -> pa.Table:
    """Every stage move of the contacts created in ``period``."""
    return _read(
        period.filter(StageTransition.objects.all(), "contact__created_at"),
        {
            "contact_id": ("contact_id", _ints),
            "to_stage": ("to_stage", _texts),
            "occurred_at": ("occurred_at", _naive_utc),
        },
    )


def opportunities_table(period: Period) -> pa.Table:
    """Opportunities created in ``period``: amount, outcome, when created and closed."""
    return _read(
        period.filter(Opportunity.objects.all(), "created_at"),
        {
            "opportunity_id": ("id", _ints),
            "amount": ("amount", _floats),
            "outcome": ("outcome", _texts),
            "created_at": ("created_at", _naive_utc),
            "close_date": ("close_date", _dates),
            "currency": ("currency", _texts),
        },
    )


def campaign_facts() -> dict[str, tuple[str, str, float | None]]:
    """Every campaign by id (as text): (name, channel, actual cost)."""
    return {
        str(pk): (name, channel, float(cost) if isinstance(cost, Decimal | int | float) else None)
        for pk, name, channel, cost in Campaign.objects.order_by().values_list(
            "id", "name", "channel", "actual_cost"
        )
    }


class Tables:
    """The store's rows the reports need for one period, each read once, on first use.

    A page builds one of these and hands it to every report it shows, so a table two
    reports share is read from the store once.
    """

    def __init__(self, period: Period, *, lookback_days: int) -> None:
        self.period = period
        self.lookback_days = lookback_days

    @cached_property
    def contacts(self) -> pa.Table:
        return contacts_table(self.period)

    @cached_property
    def transitions(self) -> pa.Table:
        return transitions_table(self.period)

    @cached_property
    def opportunities(self) -> pa.Table:
        return opportunities_table(self.period)

    @cached_property
    def campaigns(self) -> dict[str, tuple[str, str, float | None]]:
        return campaign_facts()

    @cached_property
    def touches(self) -> pa.Table:
        """Committee touches of every deal, with the columns the reports use.

        Reading them is the slowest step of the page, so they are kept in the cache for
        a few minutes, keyed by a version of the data that changes with any new touch,
        deal or committee member. The reports join them to the period's opportunities.
        """
        version = journeys.data_version()
        touches = journeys.cached_deal_touches(lookback_days=self.lookback_days, version=version)
        return touches.select(_TOUCH_COLUMNS)

    @cached_property
    def currency(self) -> str:
        """The currency most opportunities are in ("" when there are none)."""
        counts = self.opportunities.column("currency").drop_null().value_counts().to_pylist()
        counts.sort(key=lambda item: (-item["counts"], item["values"]))
        return counts[0]["values"] if counts else ""

    @cached_property
    def mixed_currencies(self) -> bool:
        return len(self.opportunities.column("currency").drop_null().unique()) > 1


def _connect(**tables: pa.Table) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, _naive_table(table))
    return con


def _naive_table(table: pa.Table) -> pa.Table:
    """The table with zone-aware timestamps turned into naive UTC ones."""
    fields = []
    for item in table.schema:
        if pa.types.is_timestamp(item.type) and item.type.tz is not None:
            fields.append(pa.field(item.name, pa.timestamp("us"), item.nullable))
        else:
            fields.append(item)
    return table.cast(pa.schema(fields))


# ---------------------------------------------------------------------------
# The funnel


@dataclass(frozen=True, kw_only=True)
class FunnelGroup:
    """The funnel of one slice of contacts (or of all of them)."""

    key: str
    label: str
    steps: tuple[funnel.FunnelStep, ...]

    @property
    def contacts(self) -> int:
        return self.steps[0].reached

    def reached(self, stage: str) -> int:
        return self.steps[funnel.FUNNEL_STAGES.index(stage)].reached

    @property
    def close_ratio(self) -> float | None:
        return funnel.close_ratio(customers=self.reached("customer"), leads=self.reached("lead"))

    @property
    def arrivals(self) -> list[tuple[funnel.FunnelStep, float | None]]:
        """Each step with the share of the stage before it that reached it (None first)."""
        before = (None, *(step.conversion for step in self.steps[:-1]))
        return list(zip(self.steps, before, strict=True))


@dataclass(frozen=True, kw_only=True)
class FunnelReport:
    by: str
    overall: FunnelGroup
    groups: tuple[FunnelGroup, ...]  # by the chosen dimension
    cohorts: tuple[FunnelGroup, ...]  # by month created, every month in the range


def _stages_sql() -> str:
    rows = ", ".join(f"('{stage}', {i})" for i, stage in enumerate(funnel.FUNNEL_STAGES))
    return f"(VALUES {rows}) AS s(stage, idx)"


def _size_sql(column: str) -> str:
    cases = []
    for low, high, label in funnel.SIZE_BANDS:
        condition = f"{column} >= {low}" + (f" AND {column} <= {high}" if high is not None else "")
        cases.append(f"WHEN {condition} THEN '{label}'")
    return f"CASE {' '.join(cases)} ELSE '{funnel.UNKNOWN_SIZE}' END"


_GROUP_SQL: dict[str, str] = {
    "cohort": "strftime(created_at, '%Y-%m')",
    "channel": "coalesce(source_channel, '')",
    "campaign": "coalesce(CAST(campaign_id AS VARCHAR), '')",
    "industry": "coalesce(industry, '')",
    "size": _size_sql("employee_count"),
}


def _group_label(by: str, key: str, campaigns: Mapping[str, tuple[str, str, float | None]]) -> str:
    if by == "channel":
        return CHANNEL_LABELS.get(key, key) if key else UNKNOWN
    if by == "campaign":
        return campaigns[key][0] if key in campaigns else (key or NO_CAMPAIGN)
    if by == "industry":
        return key or UNKNOWN
    return key


def funnel_from_tables(
    contacts: pa.Table,
    transitions: pa.Table,
    *,
    by: str,
    campaigns: Mapping[str, tuple[str, str, float | None]] | None = None,
) -> FunnelReport:
    """The funnel of ``contacts`` from their ``transitions``, overall and by ``by``.

    Follows :mod:`tandem.core.funnel`: reach is the furthest funnel stage a contact
    ever moved into; time in a stage runs from its first move into the stage to its
    first later move into a further stage. Contacts with no funnel move are left out.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    campaigns = campaigns or {}
    con = _connect(contacts=contacts, transitions=transitions)
    try:
        con.execute(
            f"""
            CREATE TEMP TABLE c AS
              SELECT contact_id, {_GROUP_SQL[by]} AS grp, {_GROUP_SQL["cohort"]} AS cohort
              FROM contacts;
            CREATE TEMP TABLE t AS
              SELECT tr.contact_id, s.idx, tr.occurred_at
              FROM transitions tr JOIN {_stages_sql()} ON s.stage = tr.to_stage
              SEMI JOIN c ON c.contact_id = tr.contact_id;
            """
        )
        histogram = con.execute(
            """
            SELECT c.grp, c.cohort, f.idx, count(*)
            FROM (SELECT contact_id, max(idx) AS idx FROM t GROUP BY contact_id) f
            JOIN c USING (contact_id)
            GROUP BY ALL
            """
        ).fetchall()
        medians = con.execute(
            """
            WITH entered AS (
                SELECT contact_id, idx, min(occurred_at) AS at FROM t GROUP BY contact_id, idx
            ), spans AS (
                SELECT e.contact_id, e.idx,
                       (epoch_us(min(t.occurred_at)) - epoch_us(e.at)) / 86400e6 AS days
                FROM entered e
                JOIN t ON t.contact_id = e.contact_id AND t.idx > e.idx AND t.occurred_at >= e.at
                GROUP BY e.contact_id, e.idx, e.at
            )
            SELECT c.grp, spans.idx, median(days), GROUPING(c.grp)
            FROM spans JOIN c USING (contact_id)
            GROUP BY GROUPING SETS ((c.grp, spans.idx), (spans.idx))
            """
        ).fetchall()
    finally:
        con.close()

    by_group: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_cohort: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    overall: dict[int, int] = defaultdict(int)
    for grp, cohort, idx, n in histogram:
        by_group[grp][idx] += n
        by_cohort[cohort][idx] += n
        overall[idx] += n
    group_medians: dict[str, dict[str, float]] = defaultdict(dict)
    overall_medians: dict[str, float] = {}
    for grp, idx, days, is_total in medians:
        target = overall_medians if is_total else group_medians[grp]
        target[funnel.FUNNEL_STAGES[idx]] = float(days)

    def group(
        key: str, label: str, hist: Mapping[int, int], meds: Mapping[str, float]
    ) -> FunnelGroup:
        return FunnelGroup(
            key=key,
            label=label,
            steps=funnel.funnel_steps(funnel.counts_from_histogram(hist), meds),
        )

    groups = [
        group(key, _group_label(by, key, campaigns), hist, group_medians.get(key, {}))
        for key, hist in by_group.items()
    ]
    if by == "cohort":
        groups = _every_month(groups, lambda key: group(key, key, {}, {}))
    else:
        groups.sort(key=lambda g: (-g.contacts, g.label))
    cohort_groups = (
        groups
        if by == "cohort"
        else _every_month(
            [group(key, key, hist, {}) for key, hist in by_cohort.items()],
            lambda key: group(key, key, {}, {}),
        )
    )
    return FunnelReport(
        by=by,
        overall=group("all", "All contacts", overall, overall_medians),
        groups=tuple(groups),
        cohorts=tuple(cohort_groups),
    )


def _every_month(
    groups: list[FunnelGroup], empty: Callable[[str], FunnelGroup]
) -> list[FunnelGroup]:
    """Cohorts in month order, with the months nobody joined in shown as empty."""
    if not groups:
        return []
    known = {g.key: g for g in groups}
    return [known.get(m) or empty(m) for m in funnel.months_between(min(known), max(known))]


def funnel_report(tables: Tables, *, by: str) -> FunnelReport:
    """The funnel of the contacts created in the period, broken down by ``by``."""
    return funnel_from_tables(
        tables.contacts,
        tables.transitions,
        by=by,
        campaigns=tables.campaigns if by == "campaign" else None,
    )


# ---------------------------------------------------------------------------
# Opportunities: win rate and sales velocity


@dataclass(frozen=True, kw_only=True)
class OpportunitySummary:
    open: int
    won: int
    lost: int
    open_amount: float
    won_amount: float
    velocity: funnel.Velocity
    currencies: tuple[str, ...] = ()  # every currency the amounts are in, most used first

    @property
    def win_rate(self) -> float | None:
        return self.velocity.win_rate

    @property
    def total(self) -> int:
        return self.open + self.won + self.lost


def opportunity_summary_from_table(opportunities: pa.Table) -> OpportunitySummary:
    """Counts by outcome, win rate and the factors of sales velocity.

    The sales cycle of a won deal is the number of calendar days (UTC) from the day it
    was created to its close date; won deals without a close date are left out of it.
    """
    con = _connect(o=opportunities)
    try:
        row = con.execute(
            """
            SELECT count(*) FILTER (WHERE outcome = 'open'),
                   count(*) FILTER (WHERE outcome = 'won'),
                   count(*) FILTER (WHERE outcome = 'lost'),
                   coalesce(sum(amount) FILTER (WHERE outcome = 'open'), 0),
                   coalesce(sum(amount) FILTER (WHERE outcome = 'won'), 0),
                   avg(amount) FILTER (WHERE outcome = 'won'),
                   avg(date_diff('day', CAST(created_at AS DATE), close_date))
                       FILTER (WHERE outcome = 'won' AND close_date IS NOT NULL)
            FROM o
            """
        ).fetchone()
        currencies = tuple(
            code
            for (code,) in con.execute(
                "SELECT currency FROM o WHERE currency IS NOT NULL "
                "GROUP BY currency ORDER BY count(*) DESC, currency"
            ).fetchall()
        )
    finally:
        con.close()
    assert row is not None  # an aggregate always returns one row
    open_, won, lost, open_amount, won_amount, average_deal, cycle = row
    return OpportunitySummary(
        open=open_,
        won=won,
        lost=lost,
        open_amount=float(open_amount),
        won_amount=float(won_amount),
        velocity=funnel.Velocity(
            open_opportunities=open_,
            win_rate=funnel.win_rate(won=won, lost=lost),
            average_deal=None if average_deal is None else float(average_deal),
            cycle_days=None if cycle is None else float(cycle),
        ),
        currencies=currencies,
    )


def opportunity_summary(tables: Tables) -> OpportunitySummary:
    return opportunity_summary_from_table(tables.opportunities)


# ---------------------------------------------------------------------------
# Sourced and influenced; marketing- and sales-generated


@dataclass(frozen=True, kw_only=True)
class SourceRow:
    """Pipeline and revenue a channel or campaign sourced and influenced."""

    key: str
    label: str
    sourced_deals: int
    sourced_pipeline: float
    sourced_won: int
    sourced_revenue: float
    influenced_deals: int
    influenced_pipeline: float
    influenced_won: int
    influenced_revenue: float


_FIRST_TOUCH_SQL = """
    SELECT opportunity_id, channel, campaign_id FROM (
        SELECT opportunity_id, channel, campaign_id,
               row_number() OVER (
                   PARTITION BY opportunity_id ORDER BY occurred_at, touch_id
               ) AS n
        FROM touches
    ) WHERE n = 1
"""


def sourced_influenced_from_tables(
    opportunities: pa.Table,
    touches: pa.Table,
    *,
    by: str,
    campaigns: Mapping[str, tuple[str, str, float | None]] | None = None,
) -> list[SourceRow]:
    """Sourced and influenced pipeline and revenue of ``opportunities`` by channel or campaign.

    ``touches`` has one row per (opportunity, committee touch), as
    :func:`tandem.closedloop.journeys.deal_touches` returns. A deal is *sourced* by its
    earliest touch (ties broken by touch id) and *influenced* by every channel or
    campaign with a touch; each gets the whole amount, so influenced figures overlap.
    Touches without a campaign are grouped under the key "".
    """
    if by not in CREDIT_GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    key = "channel" if by == "channel" else "coalesce(CAST(campaign_id AS VARCHAR), '')"
    con = _connect(o=opportunities, touches=touches.select(_TOUCH_COLUMNS))
    try:
        rows = con.execute(
            f"""
            WITH first AS ({_FIRST_TOUCH_SQL}),
            sourced AS (
                SELECT {key} AS key, count(*) AS deals, sum(o.amount) AS pipeline,
                       count(*) FILTER (WHERE o.outcome = 'won') AS won,
                       coalesce(sum(o.amount) FILTER (WHERE o.outcome = 'won'), 0) AS revenue
                FROM first JOIN o USING (opportunity_id)
                GROUP BY 1
            ),
            influenced AS (
                SELECT key, count(*) AS deals, sum(o.amount) AS pipeline,
                       count(*) FILTER (WHERE o.outcome = 'won') AS won,
                       coalesce(sum(o.amount) FILTER (WHERE o.outcome = 'won'), 0) AS revenue
                FROM (SELECT DISTINCT opportunity_id, {key} AS key FROM touches) AS pairs
                JOIN o USING (opportunity_id)
                GROUP BY 1
            )
            SELECT key,
                   coalesce(s.deals, 0), coalesce(s.pipeline, 0), coalesce(s.won, 0),
                   coalesce(s.revenue, 0),
                   i.deals, i.pipeline, i.won, i.revenue
            FROM influenced i LEFT JOIN sourced s USING (key)
            ORDER BY i.pipeline DESC, key
            """
        ).fetchall()
    finally:
        con.close()
    campaigns = campaigns or {}
    result = []
    for row in rows:
        code = row[0]
        if by == "channel":
            label = CHANNEL_LABELS.get(code, code)
        else:
            label = campaigns[code][0] if code in campaigns else (code or NO_CAMPAIGN)
        result.append(
            SourceRow(
                key=code,
                label=label,
                sourced_deals=int(row[1]),
                sourced_pipeline=float(row[2]),
                sourced_won=int(row[3]),
                sourced_revenue=float(row[4]),
                influenced_deals=int(row[5]),
                influenced_pipeline=float(row[6]),
                influenced_won=int(row[7]),
                influenced_revenue=float(row[8]),
            )
        )
    return result


_TOUCH_COLUMNS = ["opportunity_id", "touch_id", "occurred_at", "channel", "campaign_id"]


@dataclass(frozen=True, kw_only=True)
class GeneratedRow:
    """Deals by who generated them: marketing, sales, or no touch recorded."""

    key: str  # "marketing", "sales" or "none"
    label: str
    deals: int
    pipeline: float
    won: int
    revenue: float


GENERATED_LABELS: dict[str, str] = {
    "marketing": "Marketing-generated",
    "sales": "Sales-generated",
    "none": "No touch recorded",
}


def generated_from_tables(opportunities: pa.Table, touches: pa.Table) -> list[GeneratedRow]:
    """Every opportunity by the channel of its first committee touch.

    Sales-generated when that channel is outbound sales, marketing-generated for any
    other channel, and "no touch recorded" when the committee has no touch in the
    lookback window. All three rows are returned, in that order, even when empty.
    """
    con = _connect(o=opportunities, touches=touches.select(_TOUCH_COLUMNS))
    try:
        rows = con.execute(
            f"""
            WITH first AS ({_FIRST_TOUCH_SQL})
            SELECT CASE WHEN first.channel IS NULL THEN 'none'
                        WHEN first.channel = ? THEN 'sales'
                        ELSE 'marketing' END AS source,
                   count(*), coalesce(sum(o.amount), 0),
                   count(*) FILTER (WHERE o.outcome = 'won'),
                   coalesce(sum(o.amount) FILTER (WHERE o.outcome = 'won'), 0)
            FROM o LEFT JOIN first USING (opportunity_id)
            GROUP BY 1
            """,
            [SALES_CHANNEL],
        ).fetchall()
    finally:
        con.close()
    found = {row[0]: row for row in rows}
    return [
        GeneratedRow(
            key=key,
            label=label,
            deals=int(found[key][1]) if key in found else 0,
            pipeline=float(found[key][2]) if key in found else 0.0,
            won=int(found[key][3]) if key in found else 0,
            revenue=float(found[key][4]) if key in found else 0.0,
        )
        for key, label in GENERATED_LABELS.items()
    ]


@dataclass(frozen=True, kw_only=True)
class DealCredit:
    """Sourced and influenced by channel or campaign, and who generated the deals."""

    rows: list[SourceRow]
    generated: list[GeneratedRow]


def deal_credit(tables: Tables, *, by: str) -> DealCredit:
    return DealCredit(
        rows=sourced_influenced_from_tables(
            tables.opportunities,
            tables.touches,
            by=by,
            campaigns=tables.campaigns if by == "campaign" else None,
        ),
        generated=generated_from_tables(tables.opportunities, tables.touches),
    )


# ---------------------------------------------------------------------------
# Campaign ROI under several attribution models


@dataclass(frozen=True, kw_only=True)
class RoiCell:
    revenue: float  # attributed won revenue
    roi: float | None  # revenue / cost; None without a cost


@dataclass(frozen=True, kw_only=True)
class RoiRow:
    key: str
    label: str
    channel: str
    cost: float | None
    cells: list[RoiCell]  # one per model, in the table's model order


@dataclass(frozen=True, kw_only=True)
class RoiTable:
    models: list[tuple[str, str]]  # (code, label)
    rows: list[RoiRow]
    totals: list[RoiCell] = field(default_factory=list)  # every campaign with a cost
    total_cost: float = 0.0
    # ROI covers every opportunity, so its currency comes from all of them, not the period.
    currency: str = ""
    mixed_currencies: bool = False


def roi_from_credit(
    credit_by_model: Mapping[str, Sequence[CreditRow]],
    campaigns: Mapping[str, tuple[str, str, float | None]],
) -> RoiTable:
    """Campaign ROI per model from each model's credit by campaign.

    Every campaign is listed, credited or not, ordered by the revenue the first model
    credits it with. Credit for touches without a campaign (keys that are no campaign
    id) comes last: it has revenue but no cost.
    """
    models = list(credit_by_model)
    revenue: dict[str, dict[str, float]] = defaultdict(dict)
    facts: dict[str, tuple[str, str, float | None]] = dict(campaigns)
    for model, rows in credit_by_model.items():
        for row in rows:
            revenue[row.key][model] = revenue[row.key].get(model, 0.0) + row.revenue
            if row.key not in facts:
                facts[row.key] = (row.label or NO_CAMPAIGN, row.channel, None)
    result = []
    for key, (name, channel, cost) in facts.items():
        earned = revenue.get(key, {})
        if key not in campaigns and not any(earned.values()):
            continue  # touches without a campaign that no model credited
        result.append(
            RoiRow(
                key=key,
                label=name,
                channel=CHANNEL_LABELS.get(channel, channel),
                cost=cost if key in campaigns else None,
                cells=[
                    RoiCell(
                        revenue=earned.get(model, 0.0),
                        roi=funnel.ratio(earned.get(model, 0.0), cost)
                        if cost and key in campaigns
                        else None,
                    )
                    for model in models
                ],
            )
        )
    result.sort(
        key=lambda row: (
            row.key not in campaigns,
            -(row.cells[0].revenue if row.cells else 0.0),
            row.label,
        )
    )
    costed = [row for row in result if row.cost]
    total_cost = sum(row.cost or 0.0 for row in costed)
    totals = [
        RoiCell(
            revenue=(credited := sum(row.cells[i].revenue for row in costed)),
            roi=funnel.ratio(credited, total_cost),
        )
        for i in range(len(models))
    ]
    return RoiTable(
        models=[(m, MODEL_LABELS.get(m, m)) for m in models],
        rows=result,
        totals=totals,
        total_cost=total_cost,
    )


def campaign_roi(tables: Tables, *, models: Sequence[str]) -> RoiTable:
    """ROI of every campaign under each of ``models`` (all time, as credited by the models)."""
    table = roi_from_credit(
        {model: credit.credit_report(model=model, by="campaign") for model in models},
        tables.campaigns,
    )
    counts = (
        Opportunity.objects.order_by()
        .values("currency")
        .annotate(n=Count("id"))
        .order_by("-n", "currency")
    )
    currencies = [row["currency"] for row in counts]
    return replace(
        table, currency=currencies[0] if currencies else "", mixed_currencies=len(currencies) > 1
    )
