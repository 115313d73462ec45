"""Rule-based models: each touch of a path gets a fixed share of its conversions.

``time_decay`` needs timestamps, which path files do not carry. For them the position
stands in for time: the last touch is "now" and each step back is one unit of time, so
with ``half_life`` = 1 every step back halves the weight (A>B>C gets 1/7, 2/7, 4/7).
"""

from __future__ import annotations

from collections import defaultdict

from tandem.core.attribution.paths import Attribution, AttributionError, Journey

HEURISTIC_MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "time_decay")

# The usual position-based split: first and last touch 40 % each, the middle 20 %.
U_END_SHARE = 0.4


def touch_weights(model: str, touches: int, *, half_life: float = 1.0) -> list[float]:
    """The share of a path's conversions each of its ``touches`` positions receives.

    The shares add up to 1. A channel appearing at several positions gets the sum.
    """
    if touches < 1:
        raise AttributionError("a path needs at least one touch")
    if model == "first_touch":
        return [1.0] + [0.0] * (touches - 1)
    if model == "last_touch":
        return [0.0] * (touches - 1) + [1.0]
    if model == "linear":
        return [1.0 / touches] * touches
    if model == "u_shaped":
        if touches == 1:
            return [1.0]
        if touches == 2:
            return [0.5, 0.5]
        middle = (1.0 - 2 * U_END_SHARE) / (touches - 2)
        return [U_END_SHARE] + [middle] * (touches - 2) + [U_END_SHARE]
    if model == "time_decay":
        if not half_life > 0:
            raise AttributionError(f"the half-life must be positive, not {half_life}")
        raw = [0.5 ** ((touches - 1 - i) / half_life) for i in range(touches)]
        total = sum(raw)
        return [w / total for w in raw]
    raise AttributionError(
        f"unknown rule-based model {model!r}; choose one of {', '.join(HEURISTIC_MODELS)}"
    )


def attribute_heuristic(
    journeys: list[Journey], *, model: str, half_life: float = 1.0
) -> Attribution:
    """Credit each journey's conversions (and value) by the ``model``'s touch weights."""
    conversions: dict[str, float] = defaultdict(float)
    values: dict[str, float] = defaultdict(float)
    has_value = any(j.value is not None for j in journeys)
    for journey in journeys:
        weights = touch_weights(model, len(journey.touches), half_life=half_life)
        for channel, weight in zip(journey.touches, weights, strict=True):
            conversions[channel] += weight * journey.conversions
            values[channel] += weight * (journey.value or 0.0)
    return Attribution(
        conversions=dict(conversions),
        value={c: values[c] for c in conversions} if has_value else None,
    )
