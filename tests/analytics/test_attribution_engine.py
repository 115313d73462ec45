"""The Ibis expressions agree with the plain-Python reference, and the event rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.analytics.journey_files import load_journeys
from tandem.core.attribution import Journey, attribute, markov
from tandem.core.attribution.engine import attribute_tables, journeys_from_events

CHANNELS = ["A", "B", "C", "D"]


def path_tables(journeys: list[Journey]):  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "path": [" > ".join(j.touches) for j in journeys],
            "total_conversions": [j.conversions for j in journeys],
            "total_null": [j.nulls for j in journeys],
            "total_conversion_value": [j.value for j in journeys],
        }
    )
    if all(j.value is None for j in journeys):
        frame = frame.drop(columns="total_conversion_value")
    return load_journeys(frame)


journey_lists = st.lists(
    st.builds(
        lambda touches, conversions, nulls, value: Journey(
            touches=tuple(touches), conversions=conversions, nulls=nulls, value=value
        ),
        st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=6),
        st.integers(0, 3).map(float),
        st.integers(0, 3).map(float),
        st.integers(0, 50).map(float),
    ),
    min_size=1,
    max_size=8,
)


def close(a: dict[str, float] | None, b: dict[str, float] | None) -> None:
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert set(a) == set(b)
        for key in a:
            assert a[key] == pytest.approx(b[key], abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(journeys=journey_lists, order=st.integers(1, 4))
def test_engine_matches_the_python_reference(journeys: list[Journey], order: int) -> None:
    tables = path_tables(journeys)
    backend = ibis.duckdb.connect()
    for model in ("first_touch", "last_touch", "linear", "u_shaped", "time_decay", "markov"):
        ours = attribute_tables(tables, model=model, order=order, backend=backend)
        reference = attribute(journeys, model=model, order=order)
        close(dict(ours.conversions), dict(reference.conversions))
        close(
            None if ours.value is None else dict(ours.value),
            None if reference.value is None else dict(reference.value),
        )
    ours = attribute_tables(tables, model="shapley", backend=backend)
    close(dict(ours.conversions), dict(attribute(journeys, model="shapley").conversions))


def test_sparse_solve_matches_the_dense_one(monkeypatch: pytest.MonkeyPatch) -> None:
    journeys = [
        Journey(touches=tuple("ABCDABDC"[i % 5 : i % 5 + 3]), conversions=i % 3, nulls=1)
        for i in range(20)
    ]
    dense = attribute(journeys, model="markov", order=2)
    monkeypatch.setattr(markov, "DENSE_LIMIT", 0)
    sparse = attribute(journeys, model="markov", order=2)
    close(dict(dense.conversions), dict(sparse.conversions))


T0 = datetime(2026, 3, 1, tzinfo=UTC)


def events(rows: list[tuple[str, int, str, bool, float | None, str | None]]):  # type: ignore[no-untyped-def]
    """Rows of (journey, day, channel, converted, value, milestone)."""
    table = pa.table(
        {
            "journey": [r[0] for r in rows],
            "ts": pa.array([T0 + timedelta(days=r[1]) for r in rows], pa.timestamp("us", "UTC")),
            "seq": list(range(len(rows))),
            "channel": [r[2] for r in rows],
            "converted": [r[3] for r in rows],
            "value": pa.array([r[4] for r in rows], pa.float64()),
            "milestone": pa.array([r[5] for r in rows], pa.string()),
        }
    )
    return ibis.memtable(table)


def run(rows, model: str, **options):  # type: ignore[no-untyped-def]
    tables = journeys_from_events(events(rows), has_value=True, has_milestones=True, **options)
    return attribute_tables(tables, model=model)


def test_w_shaped_gives_thirty_percent_to_each_milestone_and_ten_to_the_rest() -> None:
    rows = [
        ("j", 0, "Social", False, None, None),  # first touch: 30 %
        ("j", 1, "Display", False, None, None),  # 5 %
        ("j", 2, "Email", False, None, "lead"),  # 30 %
        ("j", 3, "Display", False, None, None),  # 5 %
        ("j", 4, "Sales", True, 100.0, "opportunity"),  # 30 %
    ]
    result = run(rows, "w_shaped")
    assert result.conversions == pytest.approx(
        {"Social": 0.3, "Display": 0.1, "Email": 0.3, "Sales": 0.3}
    )
    assert result.value == pytest.approx({"Social": 30, "Display": 10, "Email": 30, "Sales": 30})


def test_full_path_adds_the_close_and_a_touch_can_be_two_milestones() -> None:
    rows = [
        ("j", 0, "Search", False, None, "lead"),  # first + lead: 45 %
        ("j", 1, "Email", False, None, None),  # 10 %
        ("j", 2, "Sales", False, None, "opportunity"),  # 22.5 %
        ("j", 3, "Sales", True, 1.0, "close"),  # 22.5 %
    ]
    result = run(rows, "full_path")
    assert result.conversions == pytest.approx({"Search": 0.45, "Email": 0.1, "Sales": 0.45})


def test_a_missing_milestone_scales_the_others_up() -> None:
    # No opportunity yet: first 0.3, lead 0.3 and 0.1 for the one other touch, over 0.7.
    rows = [
        ("j", 0, "Search", False, None, None),
        ("j", 1, "Email", False, None, "lead"),
        ("j", 2, "Webinar", True, None, None),
    ]
    result = run(rows, "w_shaped")
    assert result.conversions == pytest.approx({"Search": 3 / 7, "Email": 3 / 7, "Webinar": 1 / 7})


def test_touches_after_the_first_conversion_and_outside_the_lookback_are_dropped() -> None:
    rows = [
        ("j", 0, "Old", False, None, None),
        ("j", 20, "Search", False, None, None),
        ("j", 25, "Email", True, 50.0, None),
        ("j", 26, "Later", True, 70.0, None),
    ]
    everything = run(rows, "first_touch")
    assert everything.conversions == {"Old": 1.0, "Search": 0.0, "Email": 0.0}
    assert everything.value == {"Old": 50.0, "Search": 0.0, "Email": 0.0}
    recent = run(rows, "first_touch", lookback_days=10)
    assert recent.conversions == {"Search": 1.0, "Email": 0.0}


def test_time_decay_uses_days_before_the_conversion() -> None:
    rows = [("j", 0, "A", False, None, None), ("j", 7, "B", True, None, None)]
    tables = journeys_from_events(events(rows), has_value=False, has_milestones=False)
    result = attribute_tables(tables, model="time_decay", half_life=7.0)
    assert result.conversions == pytest.approx({"A": 1 / 3, "B": 2 / 3})
    assert result.value is None


def test_milestone_models_need_milestones() -> None:
    rows = [("j", 0, "A", True, None, None)]
    tables = journeys_from_events(events(rows), has_value=False, has_milestones=False)
    with pytest.raises(Exception, match="milestone"):
        attribute_tables(tables, model="w_shaped")


@settings(max_examples=60, deadline=None)
@given(
    paths=st.lists(
        st.lists(st.sampled_from(["A", "Été", "paid search", "Ünî", "x>y"]), min_size=1),
        min_size=1,
        max_size=12,
    ),
    spaces=st.sampled_from([">", " > ", ">  ", "  >"]),
)
def test_paths_are_split_like_a_plain_split(paths: list[list[str]], spaces: str) -> None:
    """Cutting touches out of the bytes gives what splitting each path on ">" gives."""
    from tandem.analytics.journey_files import path_table, split_paths

    texts = [spaces.join(path) for path in paths]
    frame = pd.DataFrame({"path": texts, "total_conversions": [1] * len(texts)})
    rows, _ = path_table(frame, {"path": "path", "total_conversions": "total_conversions"})
    touches, journeys, labels = split_paths(rows)
    expected = [
        (journey, pos, touch.strip())
        for journey, text in enumerate(texts)
        for pos, touch in enumerate(text.split(">"))
    ]
    got = list(
        zip(
            touches["journey"].to_pylist(),
            touches["pos"].to_pylist(),
            [labels[c] for c in touches["channel"].to_pylist()],
            strict=True,
        )
    )
    assert got == expected
    assert journeys["touches"].to_pylist() == [len(t.split(">")) for t in texts]
