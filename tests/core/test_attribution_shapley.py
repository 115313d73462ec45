"""Shapley attribution: the closed form against coalition-by-coalition enumeration."""

from __future__ import annotations

import pytest

from tandem.core.attribution import AttributionError, Journey, attribute_shapley, exact_shapley
from tandem.core.attribution.shapley import MAX_EXACT_PLAYERS, subset_game


def j(
    touches: str | list[str], conversions: float, nulls: float = 0.0, value: float | None = None
) -> Journey:
    return Journey(touches=tuple(touches), conversions=conversions, nulls=nulls, value=value)


def test_two_channels_by_hand() -> None:
    """Journeys: A (3 conversions), B (1), AB (4).

    v({}) = 0, v({A}) = 3, v({B}) = 1, v({A,B}) = 8.
    phi_A = 1/2 (v(A) - v()) + 1/2 (v(AB) - v(B)) = 1/2 * 3 + 1/2 * 7 = 5.
    phi_B = 1/2 * 1 + 1/2 * 5 = 3. They add up to 8.
    """
    journeys = [j("A", 3), j("B", 1), j("AB", 4)]
    assert attribute_shapley(journeys).conversions == pytest.approx({"A": 5, "B": 3})


def test_order_and_repeats_do_not_matter() -> None:
    assert attribute_shapley([j("ABA", 6)]).conversions == pytest.approx({"A": 3, "B": 3})
    assert attribute_shapley([j("BAA", 6)]).conversions == pytest.approx({"A": 3, "B": 3})


def test_closed_form_matches_enumerating_every_coalition() -> None:
    journeys = [j("ABC", 5), j("A", 2), j("BD", 3), j("CDA", 1), j("D", 4, nulls=9)]
    enumerated = exact_shapley(["A", "B", "C", "D"], subset_game(journeys))
    assert attribute_shapley(journeys).conversions == pytest.approx(enumerated)


def test_value_is_split_like_conversions() -> None:
    result = attribute_shapley([j("AB", 1, value=50), j("A", 1, value=10)])
    assert result.value == pytest.approx({"A": 35, "B": 25})
    assert sum(result.conversions.values()) == pytest.approx(2)


def test_enumeration_refuses_too_many_channels() -> None:
    players = [f"c{i}" for i in range(MAX_EXACT_PLAYERS + 1)]
    with pytest.raises(AttributionError, match="at most 20 channels"):
        exact_shapley(players, lambda coalition: float(len(coalition)))


def test_many_channels_use_the_exact_closed_form() -> None:
    journeys = [j([f"c{i}" for i in range(k, k + 5)], 1) for k in range(30)]
    result = attribute_shapley(journeys)
    assert len(result.conversions) == 34
    assert sum(result.conversions.values()) == pytest.approx(30)
