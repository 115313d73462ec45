"""Rule-based attribution models, path parsing and the shared result rules."""

from __future__ import annotations

import pytest

from tandem.core.attribution import (
    MODELS,
    AttributionError,
    Journey,
    attribute,
    parse_path,
)
from tandem.core.attribution.heuristics import touch_weights


def j(path: str, conversions: float, nulls: float = 0.0, value: float | None = None) -> Journey:
    return Journey(touches=parse_path(path), conversions=conversions, nulls=nulls, value=value)


SAMPLE = [
    j("Email > Search > Email > Display", 4, nulls=3, value=400),
    j("Search", 2, nulls=10, value=150),
    j("Display>Email", 1, nulls=0, value=20),
    j("Social > Search > Social", 3, nulls=5, value=90),
    j("Social", 0, nulls=7, value=0),
]
RUNNABLE = [m for m in MODELS if m not in ("w_shaped", "full_path")]


def test_parse_path_trims_spaces_around_separators() -> None:
    assert parse_path(" A >B>  C ") == ("A", "B", "C")


@pytest.mark.parametrize("text", ["", "  ", "A>>B", "A>"])
def test_parse_path_refuses_empty_touches(text: str) -> None:
    with pytest.raises(ValueError):
        parse_path(text)


def test_first_and_last_touch_give_everything_to_one_end() -> None:
    journeys = [j("A>B>C", 6)]
    assert attribute(journeys, model="first_touch").conversions == {"A": 6, "B": 0, "C": 0}
    assert attribute(journeys, model="last_touch").conversions == {"A": 0, "B": 0, "C": 6}


def test_linear_gives_a_channel_seen_twice_in_four_touches_half() -> None:
    result = attribute([j("A>B>A>C", 4, value=100)], model="linear")
    assert result.conversions == {"A": 2, "B": 1, "C": 1}
    assert result.value == {"A": 50, "B": 25, "C": 25}


def test_u_shaped_is_40_20_40_with_the_middle_split_evenly() -> None:
    result = attribute([j("A>B>C>D", 10)], model="u_shaped")
    assert result.conversions == pytest.approx({"A": 4, "B": 1, "C": 1, "D": 4})


@pytest.mark.parametrize(
    ("touches", "weights"), [(1, [1.0]), (2, [0.5, 0.5]), (3, [0.4, 0.2, 0.4])]
)
def test_u_shaped_short_paths(touches: int, weights: list[float]) -> None:
    assert touch_weights("u_shaped", touches) == pytest.approx(weights)


def test_u_shaped_sums_both_ends_when_a_channel_opens_and_closes() -> None:
    result = attribute([j("A>B>A", 5)], model="u_shaped")
    assert result.conversions == pytest.approx({"A": 4, "B": 1})


def test_time_decay_halves_the_weight_per_step_back() -> None:
    """Weights 1/4, 1/2, 1 for A, B, C, normalised by 7/4: 1/7, 2/7, 4/7."""
    result = attribute([j("A>B>C", 7)], model="time_decay")
    assert result.conversions == pytest.approx({"A": 1, "B": 2, "C": 4})


def test_time_decay_longer_half_life_flattens_the_weights() -> None:
    """With a half-life of 2 steps, A>B>C weighs 1/2, 1/sqrt(2), 1 before normalising."""
    weights = touch_weights("time_decay", 3, half_life=2)
    raw = [0.5, 0.5**0.5, 1.0]
    assert weights == pytest.approx([w / sum(raw) for w in raw])


def test_time_decay_refuses_a_non_positive_half_life() -> None:
    with pytest.raises(AttributionError, match="half-life"):
        attribute([j("A", 1)], model="time_decay", half_life=0)


@pytest.mark.parametrize("model", ["w_shaped", "full_path"])
def test_stage_models_are_refused_for_path_input(model: str) -> None:
    with pytest.raises(AttributionError, match="stage markers"):
        attribute(SAMPLE, model=model)


def test_unknown_model_lists_the_choices() -> None:
    with pytest.raises(AttributionError, match=r"unknown model 'nope'.*markov"):
        attribute(SAMPLE, model="nope")


@pytest.mark.parametrize("model", RUNNABLE)
def test_every_model_conserves_conversions_and_value(model: str) -> None:
    result = attribute(SAMPLE, model=model, order=2)
    assert sum(result.conversions.values()) == pytest.approx(sum(x.conversions for x in SAMPLE))
    assert result.value is not None
    assert sum(result.value.values()) == pytest.approx(sum(x.value or 0 for x in SAMPLE))
    assert set(result.conversions) == {"Email", "Search", "Display", "Social"}
    if model != "shapley":  # a channel that lowers the conversion rate earns less than 0
        assert all(share >= 0 for share in result.conversions.values())


@pytest.mark.parametrize("model", RUNNABLE)
def test_without_values_the_value_is_none(model: str) -> None:
    result = attribute([j("A>B", 1), j("B", 2, nulls=1)], model=model)
    assert result.value is None
