"""Funnel arithmetic: reach, conversion, time in stage, close ratio, win rate, velocity."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import funnel

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# -- reach and conversion -------------------------------------------------------------


def test_furthest_stage_ignores_nurture_and_disqualified() -> None:
    assert funnel.furthest_stage(["lead", "mql", "nurture", "mql", "sal"]) == 3
    assert funnel.furthest_stage(["subscriber", "disqualified"]) == 0


def test_a_contact_with_no_funnel_stage_has_no_furthest_stage() -> None:
    assert funnel.furthest_stage(["nurture", "disqualified"]) is None
    assert funnel.furthest_stage([]) is None


def test_reaching_a_later_stage_counts_for_every_stage_before_it() -> None:
    # A lead (1), a contact that jumped to SAL (3), one never in the funnel, a customer (6).
    counts = funnel.reached_counts([1, 3, None, 6])

    assert counts == (3, 3, 2, 2, 1, 1, 1)


def test_counts_from_histogram_add_up_from_the_end() -> None:
    assert funnel.counts_from_histogram({1: 5, 4: 2, 6: 1}) == (8, 8, 3, 3, 3, 1, 1)


def test_conversion_is_the_share_of_a_stage_that_reached_the_next() -> None:
    rates = funnel.conversion_rates((10, 8, 4, 0, 0, 0, 0))

    # 8/10, 4/8, 0/4, then nothing to divide by.
    assert rates == (0.8, 0.5, 0.0, None, None, None)


def test_funnel_steps_carry_conversion_and_medians_and_the_last_has_no_conversion() -> None:
    steps = funnel.funnel_steps((10, 8, 4, 2, 2, 1, 1), {"lead": 3.5})

    assert [s.stage for s in steps] == list(funnel.FUNNEL_STAGES)
    assert steps[0].label == "Subscriber"
    assert steps[1].conversion == 0.5 and steps[1].median_days == 3.5
    assert steps[0].median_days is None
    assert steps[-1].conversion is None
    assert steps[-1].is_last is True
    assert steps[0].is_last is False


def test_funnel_steps_refuse_the_wrong_number_of_counts() -> None:
    with pytest.raises(ValueError, match="expected 7 counts, got 2"):
        funnel.funnel_steps((1, 2))


@given(st.lists(st.one_of(st.none(), st.integers(0, 6)), max_size=60))
def test_reach_never_grows_down_the_funnel(furthest: list[int | None]) -> None:
    counts = funnel.reached_counts(furthest)

    assert counts[0] == sum(1 for f in furthest if f is not None)
    assert all(a >= b for a, b in itertools.pairwise(counts))
    assert all(0 <= r <= 1 for r in funnel.conversion_rates(counts) if r is not None)


# -- time in stage --------------------------------------------------------------------


def test_time_in_stage_runs_to_the_next_stage_and_includes_time_in_nurture() -> None:
    history = [
        ("lead", day(0)),
        ("mql", day(2)),
        ("nurture", day(5)),
        ("mql", day(9)),
        ("sal", day(10)),
    ]

    durations = funnel.stage_durations(history)

    # Lead: day 0 to MQL on day 2. MQL: first entry on day 2 to SAL on day 10, the
    # recycled spell included. SAL: not left yet, so not counted.
    assert durations == {"lead": 2.0, "mql": 8.0}


def test_a_skipped_stage_ends_the_stage_before_it() -> None:
    durations = funnel.stage_durations([("sal", day(3)), ("lead", day(0))])

    assert durations == {"lead": 3.0}


def test_time_in_stage_only_counts_moves_after_entering_it() -> None:
    # Created as MQL, recycled, re-engaged at Lead, then MQL again.
    history = [("mql", day(0)), ("nurture", day(1)), ("lead", day(4)), ("mql", day(6.5))]

    durations = funnel.stage_durations(history)

    # Lead (entered day 4) ends on day 6.5. MQL was first entered on day 0 and no
    # later stage followed, so it has no time yet.
    assert durations == {"lead": 2.5}


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*funnel.FUNNEL_STAGES, "nurture", "disqualified"]),
            st.integers(0, 400),
        ),
        max_size=12,
    )
)
def test_times_in_stage_are_never_negative_and_only_for_entered_stages(
    moves: list[tuple[str, int]],
) -> None:
    durations = funnel.stage_durations([(stage, day(n)) for stage, n in moves])

    entered = {stage for stage, _ in moves}
    assert set(durations) <= entered - {"customer", "nurture", "disqualified"}
    assert all(value >= 0 for value in durations.values())


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert funnel.median([3.0, 1.0, 2.0]) == 2.0
    assert funnel.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert funnel.median([]) is None


# -- ratios and velocity --------------------------------------------------------------


def test_close_ratio_is_customers_over_leads() -> None:
    assert funnel.close_ratio(customers=3, leads=12) == 0.25
    assert funnel.close_ratio(customers=0, leads=0) is None


def test_win_rate_leaves_open_opportunities_out() -> None:
    assert funnel.win_rate(won=3, lost=1) == 0.75
    assert funnel.win_rate(won=0, lost=0) is None


def test_sales_velocity_multiplies_the_factors_and_divides_by_the_cycle() -> None:
    # 10 open x 25 % x 20,000 / 50 days = 1,000 a day.
    assert (
        funnel.sales_velocity(
            open_opportunities=10, win_rate=0.25, average_deal=20_000, cycle_days=50
        )
        == 1000.0
    )


@pytest.mark.parametrize(
    ("win_rate", "average_deal", "cycle_days"),
    [(None, 1000.0, 10.0), (0.5, None, 10.0), (0.5, 1000.0, None), (0.5, 1000.0, 0.0)],
)
def test_sales_velocity_is_unknown_without_every_factor(
    win_rate: float | None, average_deal: float | None, cycle_days: float | None
) -> None:
    velocity = funnel.Velocity(
        open_opportunities=4, win_rate=win_rate, average_deal=average_deal, cycle_days=cycle_days
    )

    assert velocity.per_day is None


@given(
    st.integers(0, 1000),
    st.floats(0, 1),
    st.floats(1, 1e6),
    st.floats(0.5, 1000),
)
def test_sales_velocity_grows_in_proportion_to_open_opportunities(
    open_: int, rate: float, deal: float, cycle: float
) -> None:
    one = funnel.sales_velocity(
        open_opportunities=open_, win_rate=rate, average_deal=deal, cycle_days=cycle
    )
    two = funnel.sales_velocity(
        open_opportunities=2 * open_, win_rate=rate, average_deal=deal, cycle_days=cycle
    )

    assert one is not None and two is not None
    assert two == pytest.approx(2 * one)


# -- cohorts and months ---------------------------------------------------------------


def test_cohort_month_is_taken_in_the_given_zone() -> None:
    late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)

    assert funnel.cohort_month(late) == "2026-01"
    assert funnel.cohort_month(late, tz=ZoneInfo("Europe/Berlin")) == "2026-02"


def test_cohort_month_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        funnel.cohort_month(datetime(2026, 1, 1))


def test_parse_month_reads_year_and_month() -> None:
    assert funnel.parse_month("2026-03") == date(2026, 3, 1)
    assert funnel.parse_month(" 2026-3 ") == date(2026, 3, 1)


@pytest.mark.parametrize("text", ["2026-13", "March", "2026-00", "26-03", "2026-03-01", ""])
def test_parse_month_says_what_it_expected(text: str) -> None:
    with pytest.raises(funnel.MonthError) as caught:
        funnel.parse_month(text)

    assert "write it as YYYY-MM, e.g. 2026-03" in str(caught.value)
    assert caught.value.text == text


def test_month_span_covers_whole_months_up_to_the_start_of_the_next() -> None:
    start, end = funnel.month_span(date(2026, 1, 1), date(2026, 12, 1))

    assert start == datetime(2026, 1, 1, tzinfo=UTC)
    assert end == datetime(2027, 1, 1, tzinfo=UTC)
    assert funnel.month_span(None, None) == (None, None)


def test_month_span_refuses_a_range_that_ends_before_it_starts() -> None:
    with pytest.raises(funnel.MonthError, match=r"ends \(2026-01\) before it starts \(2026-03\)"):
        funnel.month_span(date(2026, 3, 1), date(2026, 1, 1))


def test_months_between_lists_every_month_across_a_new_year() -> None:
    assert funnel.months_between("2025-11", "2026-02") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


@pytest.mark.parametrize(
    ("employees", "band"),
    [
        (None, "Size unknown"),
        (0, "1-49 employees"),
        (49, "1-49 employees"),
        (50, "50-249 employees"),
        (999, "250-999 employees"),
        (1000, "1,000-4,999 employees"),
        (5000, "5,000+ employees"),
        (250_000, "5,000+ employees"),
    ],
)
def test_size_band_edges(employees: int | None, band: str) -> None:
    assert funnel.size_band(employees) == band
