"""Shapley attribution: the closed form against brute-force enumeration, and by hand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.attribution import (
    AttributionError,
    ChannelSet,
    Journey,
    attribute_shapley,
    attribute_shapley_sets,
    exact_shapley,
)
from tandem.core.attribution.shapley import MAX_EXACT_PLAYERS


def cs(channels: str, journeys: float, conversions: float, value: float | None = None):  # type: ignore[no-untyped-def]
    return ChannelSet(
        channels=frozenset(channels), journeys=journeys, conversions=conversions, value=value
    )


def rate_game(sets: list[ChannelSet], field: str) -> Callable[[frozenset[str]], float]:
    """v(S): the summed rates of the observed sets inside S, computed the slow way."""

    def v(coalition: frozenset[str]) -> float:
        total = 0.0
        for s in sets:
            if s.channels <= coalition and s.journeys > 0:
                amount = s.conversions if field == "conversions" else (s.value or 0.0)
                total += amount / s.journeys
        return total

    return v


set_lists = st.lists(
    st.builds(
        lambda channels, journeys, conversions, value: cs(
            "".join(sorted(channels)), journeys, min(conversions, journeys), value
        ),
        st.sets(st.sampled_from("ABCDEFG"), min_size=1, max_size=4),
        st.integers(1, 40).map(float),
        st.integers(0, 40).map(float),
        st.integers(0, 500).map(float),
    ),
    min_size=1,
    max_size=10,
    unique_by=lambda s: s.channels,
)


@settings(max_examples=60, deadline=None)
@given(sets=set_lists)
def test_closed_form_matches_enumerating_every_coalition(sets: list[ChannelSet]) -> None:
    players = sorted({c for s in sets for c in s.channels})
    result = attribute_shapley_sets(sets)
    for field, credited, total in (
        ("conversions", result.conversions, sum(s.conversions for s in sets)),
        ("value", result.value, sum(s.value or 0.0 for s in sets)),
    ):
        assert credited is not None
        phi = exact_shapley(players, rate_game(sets, field))
        phi_sum = sum(phi.values())
        for channel in players:
            expected = total * phi[channel] / phi_sum if phi_sum > 0 else 0.0
            assert credited[channel] == pytest.approx(expected, abs=1e-9)
        assert sum(credited.values()) == pytest.approx(total if phi_sum > 0 else 0.0)


def test_two_channels_by_hand() -> None:
    """{A}: 10 journeys, 2 conversions; {B}: 10, 1; {A,B}: 10, 6.

    Rates 0.2, 0.1, 0.6. v(A) = 0.2, v(B) = 0.1, v(AB) = 0.9.
    φ_A = 1/2 v(A) + 1/2 (v(AB) - v(B)) = 0.1 + 0.4 = 0.5; φ_B = 0.05 + 0.35 = 0.4.
    Scaled to the 9 conversions: A 5, B 4.
    """
    result = attribute_shapley_sets([cs("A", 10, 2), cs("B", 10, 1), cs("AB", 10, 6)])
    assert result.conversions == pytest.approx({"A": 5.0, "B": 4.0})
    assert result.value is None


def test_a_channel_that_never_converts_gets_nothing() -> None:
    result = attribute_shapley_sets([cs("A", 10, 4), cs("B", 10, 0)])
    assert result.conversions == {"A": 4.0, "B": 0.0}


def test_journeys_that_did_not_convert_count_against_their_set() -> None:
    # Both sets converted twice, but {B} needed ten times as many journeys.
    result = attribute_shapley_sets([cs("A", 2, 2), cs("B", 20, 2)])
    assert result.conversions == pytest.approx({"A": 4 * 10 / 11, "B": 4 / 11})


def test_channels_that_always_appear_together_share_equally() -> None:
    result = attribute_shapley_sets([cs("AB", 5, 3, 30.0), cs("ABC", 5, 1, 10.0)])
    assert result.conversions["A"] == pytest.approx(result.conversions["B"])
    assert result.value is not None
    assert sum(result.value.values()) == pytest.approx(40.0)


def test_many_channels_are_exact_and_fast() -> None:
    sets = [cs(chr(0x4E00 + i) + chr(0x4E00 + i + 1), 10, i % 4) for i in range(300)]
    result = attribute_shapley_sets(sets)
    assert len(result.conversions) == 301
    assert sum(result.conversions.values()) == pytest.approx(sum(i % 4 for i in range(300)))


def test_nothing_converted_gives_everyone_zero() -> None:
    assert attribute_shapley_sets([cs("AB", 3, 0)]).conversions == {"A": 0.0, "B": 0.0}


def test_conversions_without_journeys_count_as_all_converted() -> None:
    result = attribute_shapley_sets([cs("A", 0, 2), cs("B", 4, 2)])
    # Rates 1 and 1/2: A gets two thirds of the 4 conversions.
    assert result.conversions == pytest.approx({"A": 8 / 3, "B": 4 / 3})


def test_entries_with_the_same_channels_are_added_together() -> None:
    split = attribute_shapley_sets([cs("A", 5, 1), cs("A", 5, 3), cs("B", 10, 2)])
    whole = attribute_shapley_sets([cs("A", 10, 4), cs("B", 10, 2)])
    assert split.conversions == pytest.approx(dict(whole.conversions))


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([cs("", 1, 1)], "needs at least one channel"),
        ([cs("AB", 3, -2)], r"channel set 1 \(A, B\): conversions is -2"),
        ([cs("A", float("nan"), 1)], "not a finite number"),
    ],
)
def test_bad_input_is_refused(sets: list[ChannelSet], message: str) -> None:
    with pytest.raises(AttributionError, match=message):
        attribute_shapley_sets(sets)


def test_enumeration_refuses_too_many_channels() -> None:
    players = [str(i) for i in range(MAX_EXACT_PLAYERS + 1)]
    with pytest.raises(AttributionError, match="at most 20"):
        exact_shapley(players, lambda s: 0.0)


def test_journeys_are_grouped_by_their_channel_sets() -> None:
    journeys = [
        Journey(touches=("A", "B", "A"), conversions=1, nulls=1, value=10.0),
        Journey(touches=("B", "A"), conversions=1, nulls=1, value=30.0),
        Journey(touches=("C",), conversions=0, nulls=4),
    ]
    result = attribute_shapley(journeys)
    # One set {A,B}: 4 journeys, 2 conversions worth 40, split equally; C never converts.
    assert result.conversions == pytest.approx({"A": 1.0, "B": 1.0, "C": 0.0})
    assert result.value == pytest.approx({"A": 20.0, "B": 20.0, "C": 0.0})
