from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from tandem.analytics.features import engagement_features

TS = pa.timestamp("us", tz="UTC")


def at(day: int, month: int = 1) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def test_counts_only_touchpoints_before_each_contacts_moment_by_window() -> None:
    touchpoints = pa.table(
        {
            "contact_id": [1, 1, 1, 1, 2],
            "type": ["page_view", "page_view", "demo_request", "meeting", "page_view"],
            "channel": ["direct", "email", "direct", "outbound_sales", "email"],
            "occurred_at": pa.array([at(1), at(20), at(24), at(1, 2), at(2)], type=TS),
        }
    )
    as_of = pa.table({"contact_id": [1, 2, 3], "as_of": pa.array([at(25)] * 3, type=TS)})

    rows = engagement_features(
        touchpoints, as_of, types=["page_view", "demo_request", "meeting"], channels=["email"]
    ).to_pylist()

    first, second, third = rows
    # The meeting after the moment is not seen: it would leak the outcome.
    assert (first["touches_total"], first["touches_meeting_90d"]) == (3, 0)
    assert (first["touches_page_view_7d"], first["touches_page_view_30d"]) == (1, 2)
    assert first["touches_demo_request_7d"] == 1
    assert first["touches_ch_email_7d"] == 1
    assert first["days_since_last_touch"] == 1.0
    assert (second["touches_page_view_7d"], second["touches_page_view_30d"]) == (0, 1)
    assert second["days_since_last_touch"] == 23.0
    # A contact with no touchpoints still gets a row, with no recency.
    assert (third["contact_id"], third["touches_total"], third["days_since_last_touch"]) == (
        3,
        0,
        None,
    )


def test_type_names_are_quoted_not_interpolated() -> None:
    touchpoints = pa.table(
        {
            "contact_id": [1],
            "type": ["it's odd"],
            "channel": ["x"],
            "occurred_at": pa.array([at(1)], type=TS),
        }
    )
    as_of = pa.table({"contact_id": [1], "as_of": pa.array([at(2)], type=TS)})

    row = engagement_features(touchpoints, as_of, types=["it's odd"], channels=[]).to_pylist()[0]

    assert row["touches_it's odd_7d"] == 1
