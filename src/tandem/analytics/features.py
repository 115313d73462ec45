"""Engagement features for the predictive model, computed in DuckDB.

Each contact is described *as of* a moment: for a contact that converted, the moment it
reached SQL; for one that was disqualified, the moment it was; for everyone else, now.
Only touchpoints before that moment count. Without the cut-off, the sales calls and
meetings that follow a conversion would teach the model that converted contacts had
sales calls, which is true and useless.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

WINDOWS = (7, 30, 90)


def engagement_features(
    touchpoints: pa.Table,
    as_of: pa.Table,
    *,
    types: list[str],
    channels: list[str],
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """One row per contact of ``as_of`` (contact_id, as_of): counts and recency.

    Columns: ``touches_{type}_{d}d`` and ``touches_ch_{channel}_{d}d`` for each window d
    in 7, 30 and 90 days, ``touches_total``, and ``days_since_last_touch`` (null when
    the contact had no touchpoint before its moment).
    """
    con = con or duckdb.connect()
    con.register("tp", touchpoints)
    con.register("cutoff", as_of)
    parts = []
    for days in WINDOWS:
        for kind in types:
            parts.append(
                f"count(*) FILTER (WHERE t.type = {_literal(kind)} AND "
                f"t.occurred_at > a.as_of - INTERVAL {days} DAY) "
                f"AS {_ident(f'touches_{kind}_{days}d')}"
            )
        for channel in channels:
            parts.append(
                f"count(*) FILTER (WHERE t.channel = {_literal(channel)} AND "
                f"t.occurred_at > a.as_of - INTERVAL {days} DAY) "
                f"AS {_ident(f'touches_ch_{channel}_{days}d')}"
            )
    select = ",\n        ".join(parts)
    query = f"""
    SELECT a.contact_id,
        {select},
        count(t.contact_id) AS touches_total,
        date_diff('second', max(t.occurred_at), any_value(a.as_of)) / 86400.0
            AS days_since_last_touch
    FROM cutoff a
    LEFT JOIN tp t ON t.contact_id = a.contact_id AND t.occurred_at <= a.as_of
    GROUP BY a.contact_id
    ORDER BY a.contact_id
    """
    try:
        return con.sql(query).to_arrow_table()
    finally:
        con.unregister("tp")
        con.unregister("cutoff")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
