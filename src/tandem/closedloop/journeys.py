"""Deal journeys read from the store as Arrow, for the attribution engine and reports.

A deal's journey is every touch of its buying committee from ``lookback_days`` before
the opportunity was created up to its close (the end of its close date), or up to now
while it is open. Rows come from one plain query; timestamps are converted in one
vectorised step, never one ORM object at a time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from tandem.crm.models import Opportunity, OpportunityContact, Touchpoint

TOUCH_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.int64(), nullable=False),
        pa.field("touch_id", pa.int64(), nullable=False),
        pa.field("occurred_at", pa.timestamp("us", tz="UTC")),
        pa.field("channel", pa.string()),
        pa.field("type", pa.string()),
        pa.field("campaign_id", pa.int64()),
        pa.field("url", pa.string()),
    ]
)
DEAL_TOUCH_SCHEMA = pa.schema(
    [
        pa.field("opportunity_id", pa.int64(), nullable=False),
        pa.field("opportunity_created_at", pa.timestamp("us", tz="UTC")),
        pa.field("closed_at", pa.timestamp("us", tz="UTC")),
        pa.field("outcome", pa.string()),
        pa.field("amount", pa.float64()),
        *TOUCH_SCHEMA,
    ]
)
# The touch columns, as the ORM names them from a touchpoint ("" prefix) or from a
# committee member ("contact__touchpoints__" prefix).
_TOUCH_FIELDS = ("contact_id", "id", "occurred_at", "channel", "type", "campaign_id", "url")


def _touch_arrays(columns: list[tuple[Any, ...]]) -> list[pa.Array]:
    """The seven touch columns (as :data:`_TOUCH_FIELDS` reads them) as Arrow arrays."""
    contact, touch, occurred, channel, kind, campaign, url = columns
    return [
        pa.array(contact, pa.int64()),
        pa.array(touch, pa.int64()),
        _stamps(list(occurred)),
        pa.array(channel, pa.string()),
        pa.array(kind, pa.string()),
        pa.array(campaign, pa.int64()),
        pa.array([u or None for u in url], pa.string()),
    ]


def _fetch(sql: str, params: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(50_000):
            rows.extend(batch)
    return rows


def _stamps(values: list[Any]) -> pa.Array:
    """Datetimes (PostgreSQL) or ISO text (SQLite) as UTC timestamps, nulls kept."""
    series = pd.Series(values, dtype=object)
    if any(isinstance(v, str) for v in values):
        parsed = pd.to_datetime(series, utc=True, format="ISO8601")
    else:
        parsed = pd.to_datetime(series, utc=True)
    return pa.Array.from_pandas(parsed).cast(pa.timestamp("us", tz="UTC"))


def _dates_end_of_day(values: list[Any]) -> pa.Array:
    """Close dates as the last moment of that day (UTC); null while open."""
    series = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    ends = series + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return pa.Array.from_pandas(ends).cast(pa.timestamp("us", tz="UTC"))


def deal_touches(
    *, lookback_days: int, opportunity_ids: list[int] | None = None, now: datetime | None = None
) -> pa.Table:
    """One row per (opportunity, touch of a committee member) inside the deal's window.

    Opportunities whose committee has no touch in the window are absent.
    """
    members = OpportunityContact.objects.order_by()
    if opportunity_ids is not None:
        members = members.filter(opportunity_id__in=opportunity_ids)
    sql, params = members.values_list(
        "opportunity_id",
        "opportunity__created_at",
        "opportunity__close_date",
        "opportunity__outcome",
        "opportunity__amount",
        "contact_id",
        *(f"contact__touchpoints__{name}" for name in _TOUCH_FIELDS[1:]),
    ).query.sql_with_params()
    rows = [row for row in _fetch(sql, params) if row[6] is not None]
    if not rows:
        return DEAL_TOUCH_SCHEMA.empty_table()
    columns = list(zip(*rows, strict=True))
    table = pa.Table.from_arrays(
        [
            pa.array(columns[0], pa.int64()),
            _stamps(list(columns[1])),
            # An open deal runs up to now, even when its expected close date has passed.
            _dates_end_of_day(
                [
                    None if d is None or outcome == "open" else str(d)
                    for d, outcome in zip(columns[2], columns[3], strict=True)
                ]
            ),
            pa.array(columns[3], pa.string()),
            pa.array([float(a) for a in columns[4]], pa.float64()),
            *_touch_arrays(columns[5:]),
        ],
        schema=DEAL_TOUCH_SCHEMA,
    )
    now_stamp = pd.Timestamp(now or timezone.now()).tz_convert("UTC")
    frame = table.to_pandas()
    start = frame["opportunity_created_at"] - pd.Timedelta(days=lookback_days)
    end = frame["closed_at"].fillna(now_stamp)
    keep = (frame["occurred_at"] >= start) & (frame["occurred_at"] <= end)
    return table.filter(pa.array(keep.to_numpy()))


def non_deal_touches(*, since: datetime | None = None) -> pa.Table:
    """Touches of contacts on no buying committee: the journeys that led to no deal."""
    rows = Touchpoint.objects.order_by().exclude(
        contact_id__in=OpportunityContact.objects.values("contact_id")
    )
    if since is not None:
        rows = rows.filter(occurred_at__gte=since)
    sql, params = rows.values_list(*_TOUCH_FIELDS).query.sql_with_params()
    data = _fetch(sql, params)
    if not data:
        return TOUCH_SCHEMA.empty_table()
    return pa.Table.from_arrays(_touch_arrays(list(zip(*data, strict=True))), schema=TOUCH_SCHEMA)


def lookback_start(lookback_days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=lookback_days)


CACHE_SECONDS = 600


def data_version() -> tuple[Any, ...]:
    """Changes whenever a touch, an opportunity or a committee member is added or edited."""
    touches = Touchpoint.objects.aggregate(n=Count("id"), last=Max("id"))
    deals = Opportunity.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    members = OpportunityContact.objects.aggregate(n=Count("id"), last=Max("id"))
    return (touches["n"], touches["last"], deals["n"], str(deals["last"]), members["n"],
            members["last"])  # fmt: skip


def cache_key(*parts: Any) -> str:
    return "closedloop:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_deal_touches(*, lookback_days: int, version: tuple[Any, ...]) -> pa.Table:
    """:func:`deal_touches`, read once per data version and kept for ten minutes.

    Reading them is the slowest step of the closed-loop page and of credit reports.
    """
    key = cache_key("deal_touches", lookback_days, version)
    table = cache.get(key)
    if table is None:
        table = deal_touches(lookback_days=lookback_days)
        cache.set(key, table, CACHE_SECONDS)
    return table


def cached_non_deal_touches(*, lookback_days: int, version: tuple[Any, ...]) -> pa.Table:
    """:func:`non_deal_touches` inside the lookback window, cached like the deal touches."""
    key = cache_key("non_deal_touches", lookback_days, version)
    table = cache.get(key)
    if table is None:
        table = non_deal_touches(since=lookback_start(lookback_days))
        cache.set(key, table, CACHE_SECONDS)
    return table
