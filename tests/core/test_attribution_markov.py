"""Markov-chain attribution: state building and removal effects, checked by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.attribution import (
    AttributionError,
    Journey,
    attribute_markov,
    collapse_repeats,
    markov_states,
    parse_path,
)


def j(path: str, conversions: float, nulls: float = 0.0, value: float | None = None) -> Journey:
    return Journey(touches=parse_path(path), conversions=conversions, nulls=nulls, value=value)


def test_collapse_repeats_merges_only_consecutive_touches() -> None:
    assert collapse_repeats(["A", "A", "B", "A", "A"]) == ("A", "B", "A")


@pytest.mark.parametrize(
    ("order", "states"),
    [
        (1, [("A",), ("B",), ("C",), ("A",)]),
        (2, [("A", "B"), ("B", "C"), ("C", "A")]),
        (3, [("A", "B", "C"), ("B", "C", "A")]),
        (4, [("A", "B", "C", "A")]),
    ],
)
def test_states_are_sliding_windows_after_collapsing_repeats(
    order: int, states: list[tuple[str, ...]]
) -> None:
    assert markov_states(["A", "A", "B", "C", "C", "A"], order) == states


def test_a_path_shorter_than_the_order_is_one_shorter_state() -> None:
    assert markov_states(["A", "B"], 3) == [("A", "B")]
    assert markov_states(["A", "A"], 2) == [("A",)]


@pytest.mark.parametrize("order", [0, 5])
def test_order_outside_one_to_four_is_refused(order: int) -> None:
    with pytest.raises(AttributionError, match="order"):
        attribute_markov([j("A", 1)], order=order)


def test_order_one_two_channels_by_hand() -> None:
    """Paths A>B (1 conversion), A (1 null), B (1 conversion, 1 null).

    Transitions: start->A 2, start->B 2; A->B 1, A->null 1; B->conv 2, B->null 1.
    P(conv) = 1/2 * 1/2 * 2/3 + 1/2 * 2/3 = 1/2.
    Without A (start->A goes to null): 1/2 * 2/3 = 1/3, effect 1 - (1/3)/(1/2) = 1/3.
    Without B: no way to convert, effect 1.
    Shares 1/4 and 3/4 of 2 conversions: A 0.5, B 1.5.
    """
    result = attribute_markov([j("A>B", 1), j("A", 0, nulls=1), j("B", 1, nulls=1)])
    assert result.conversions == pytest.approx({"A": 0.5, "B": 1.5})
    assert result.value is None


def test_order_one_with_a_loop_and_order_two_differ() -> None:
    """Paths A>B (1 conversion), B>A (1 null).

    Order 1: A->B 1, A->null 1; B->conv 1, B->A 1; start->A 1, start->B 1.
    P_B = 1/2 + 1/2 P_A and P_A = 1/2 P_B give P_B = 2/3, P_A = 1/3, P = 1/2.
    Without A: 1/2 * 1/2 = 1/4, effect 1/2. Without B: 0, effect 1. Shares 1/3, 2/3.
    Order 2: states (A,B) and (B,A) each contain both channels, so both effects are 1.
    """
    journeys = [j("A>B", 1), j("B>A", 0, nulls=1)]
    assert attribute_markov(journeys, order=1).conversions == pytest.approx(
        {"A": 1 / 3, "B": 2 / 3}
    )
    assert attribute_markov(journeys, order=2).conversions == pytest.approx({"A": 0.5, "B": 0.5})


def test_order_three_with_a_short_path_by_hand() -> None:
    """Paths A>B>C (2 conversions) and C (1 conversion, 1 null); states ABC and C.

    P = (2 * 1 + 2 * 1/2) / 4 = 3/4. Removing A or B cuts ABC: P = 1/4, effect 2/3.
    Removing C cuts both: effect 1. Effects sum to 7/3, so of 3 conversions A and B
    get 6/7 each and C gets 9/7.
    """
    result = attribute_markov([j("A>B>C", 2), j("C", 1, nulls=1)], order=3)
    assert result.conversions == pytest.approx({"A": 6 / 7, "B": 6 / 7, "C": 9 / 7})


def test_value_uses_the_average_value_per_last_state() -> None:
    """Paths A (1 conversion worth 100), B (1 conversion worth 10), A>B (2 nulls).

    start->A 3, start->B 1; A->conv 1, A->B 2; B->conv 1, B->null 2.
    A conversion ending in A is worth 100, one ending in B 10.
    Expected value E = 3/4 (1/3 * 100 + 2/3 * 1/3 * 10) + 1/4 * 1/3 * 10 = 27.5.
    Without A: E = 5/6, effect 32/33. Without B: E = 3/4 * 100/3 = 25, effect 1/11.
    Value shares 32/35 and 3/35 of 110. Conversions: effects 5/6 and 1/2, so 5/4, 3/4.
    """
    result = attribute_markov([j("A", 1, value=100), j("B", 1, value=10), j("A>B", 0, nulls=2)])
    assert result.conversions == pytest.approx({"A": 5 / 4, "B": 3 / 4})
    assert result.value == pytest.approx({"A": 110 * 32 / 35, "B": 110 * 3 / 35})


def test_consecutive_repeats_do_not_change_the_result() -> None:
    plain = attribute_markov([j("A>B", 1), j("A", 0, nulls=1), j("B", 1, nulls=1)])
    repeated = attribute_markov([j("A>A>B>B", 1), j("A>A", 0, nulls=1), j("B", 1, nulls=1)])
    assert repeated.conversions == pytest.approx(plain.conversions)


def test_a_channel_only_on_failed_paths_gets_no_credit() -> None:
    result = attribute_markov([j("A", 2), j("B", 0, nulls=5)])
    assert result.conversions == pytest.approx({"A": 2, "B": 0})


def test_no_conversions_credits_nobody() -> None:
    result = attribute_markov([j("A>B", 0, nulls=3)])
    assert result.conversions == {"A": 0, "B": 0}


paths = st.lists(st.sampled_from("ABCD"), min_size=1, max_size=6)
journeys_strategy = st.lists(
    st.builds(
        lambda touches, c, n: Journey(touches=tuple(touches), conversions=c, nulls=n, value=2 * c),
        paths,
        st.integers(0, 5),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(journeys_strategy, st.integers(1, 4))
def test_conversions_and_value_are_conserved(journeys: list[Journey], order: int) -> None:
    result = attribute_markov(journeys, order=order)
    total = sum(x.conversions for x in journeys if x.conversions + x.nulls > 0)
    assert sum(result.conversions.values()) == pytest.approx(total)
    assert result.value is not None
    assert sum(result.value.values()) == pytest.approx(2 * total)
    assert all(share >= 0 for share in result.conversions.values())
