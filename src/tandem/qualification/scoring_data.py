"""The store's contacts and touchpoints as Arrow tables, for the analytics engines.

Rows are streamed from the database in chunks and built column by column, so no model
instances are made; the engines then compute in DuckDB, never one contact at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
from django.db import connection, transaction
from django.db.models import QuerySet

from tandem.core.contact_fields import FIELDS
from tandem.crm.models import Contact, Touchpoint
from tandem.qualification.selectors import iter_condition_values

_NUMBERS = {"fit_score", "engagement_score", "employee_count"}
_FLOATS = {"annual_revenue", "predicted_probability"}
_BOOLEANS = {"has_account"}


def _arrow_type(name: str) -> pa.DataType:
    if name in _NUMBERS:
        return pa.int64()
    if name in _FLOATS:
        return pa.float64()
    if name in _BOOLEANS:
        return pa.bool_()
    return pa.string()


CONTACT_SCHEMA = pa.schema(
    [pa.field("contact_id", pa.int64(), nullable=False)]
    + [pa.field(name, _arrow_type(name)) for name in FIELDS]
)
TOUCHPOINT_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.int64(), nullable=False),
        pa.field("type", pa.string()),
        pa.field("channel", pa.string()),
        pa.field("occurred_at", pa.timestamp("us", tz="UTC")),
        pa.field("url", pa.string()),
    ]
)


def contacts_table(contacts: QuerySet[Contact] | None = None) -> pa.Table:
    """One row per contact: ``contact_id`` and every field a rule may read."""
    columns: dict[str, list[Any]] = {name: [] for name in CONTACT_SCHEMA.names}
    for pk, values in iter_condition_values(
        contacts if contacts is not None else Contact.objects.all()
    ):
        columns["contact_id"].append(pk)
        for name in FIELDS:
            value = values.get(name)
            columns[name].append(float(value) if isinstance(value, Decimal) else value)
    return pa.Table.from_pydict(columns, schema=CONTACT_SCHEMA)


def touchpoints_table(contacts: QuerySet[Contact] | None = None) -> pa.Table:
    """Every touchpoint (of ``contacts``, when given) as Arrow, read with a plain cursor.

    The ORM would build a timezone-aware datetime per row in Python; instead the
    timestamps are converted in one vectorised step (SQLite hands them over as text).
    """
    rows = Touchpoint.objects.order_by()  # no sort: the engines do not need one
    if contacts is not None:
        rows = rows.filter(contact__in=contacts)
    sql, params = rows.values_list(
        "contact_id", "type", "channel", "occurred_at", "url"
    ).query.sql_with_params()
    chunks: list[list[tuple[Any, ...]]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(50_000):
            chunks.append(batch)
    data = [row for chunk in chunks for row in chunk]
    stamps = [row[3] for row in data]
    if stamps and isinstance(stamps[0], str):
        when = pd.to_datetime(pd.Series(stamps), utc=True, format="ISO8601")
    else:
        when = pd.to_datetime(pd.Series(stamps, dtype=object), utc=True)
    return pa.Table.from_arrays(
        [
            pa.array([row[0] for row in data], pa.int64()),
            pa.array([row[1] for row in data], pa.string()),
            pa.array([row[2] for row in data], pa.string()),
            pa.Array.from_pandas(when).cast(pa.timestamp("us", tz="UTC")),
            pa.array([row[4] or None for row in data], pa.string()),
        ],
        schema=TOUCHPOINT_SCHEMA,
    )


WRITE_BATCH = 2000


def update_contacts(
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    json_columns: frozenset[str] = frozenset(),
    step: str,
    report: Callable[[str, int, int], None],
) -> int:
    """Set ``columns`` on many contacts; each row holds their values, then the contact id.

    One plain UPDATE per row sent with ``executemany`` (portable, and fast on both
    stores: SQLite runs in process, psycopg pipelines the statements), in batches of
    2,000, each its own transaction: a worker killed half-way leaves whole batches.
    """
    postgres = connection.vendor == "postgresql"
    assignments = ", ".join(
        f"{connection.ops.quote_name(name)} = "
        + ("%s::jsonb" if postgres and name in json_columns else "%s")
        for name in columns
    )
    sql = (
        f"UPDATE {connection.ops.quote_name(Contact._meta.db_table)} "
        f"SET {assignments} WHERE id = %s"
    )
    total = len(rows)
    for start in range(0, total, WRITE_BATCH):
        end = min(start + WRITE_BATCH, total)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[start:end])
        report(step, end, total)
    return total
