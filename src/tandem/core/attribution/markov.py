"""Markov-chain attribution with ChannelAttribution's semantics, computed exactly.

Each journey walks ``start -> s1 -> ... -> sn`` and then to ``conversion`` (as often as
it converted) or ``null`` (as often as it did not); the states ``s`` are built by
:func:`~tandem.core.attribution.paths.markov_states`. Transition probabilities are the
observed transition counts, normalised per state.

The removal effect of a channel c is ``1 - P(conversion | c removed) / P(conversion)``,
where removing c sends every transition into a state that contains c to ``null``. Each
channel gets ``removal effect / sum of removal effects`` of the total conversions.

Value follows the same idea: a conversion is worth the average value of the
conversions whose path ended in the same last state, the expected value is computed
from the chain, and each channel is credited by the relative drop in expected value
when it is removed.

Probabilities come from one linear solve on the transient part of the absorbing chain
(``(I - Q) x = r``), not from simulation, so results are exact and repeatable.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from tandem.core.attribution.paths import Attribution, AttributionError, Journey, markov_states

MAX_ORDER = 4

State = tuple[str, ...]


def attribute_markov(journeys: list[Journey], *, order: int = 1) -> Attribution:
    """Credit conversions (and value) by each channel's removal effect at ``order``."""
    if not 1 <= order <= MAX_ORDER:
        raise AttributionError(f"the Markov order must be between 1 and {MAX_ORDER}, not {order}")
    has_value = any(j.value is not None for j in journeys)
    # Journeys that neither converted nor failed carry no weight in any transition.
    walked = [(markov_states(j.touches, order), j) for j in journeys if j.conversions + j.nulls > 0]
    channels = sorted({touch for j in journeys for touch in j.touches})
    total_conversions = sum(j.conversions for _, j in walked)
    total_value = sum(j.value or 0.0 for _, j in walked)
    if not channels or total_conversions == 0:
        zero = {c: 0.0 for c in channels}
        return Attribution(conversions=zero, value=dict(zero) if has_value else None)

    states: dict[State, int] = {(): 0}  # the empty tuple stands for "start"
    for path, _ in walked:
        for state in path:
            states.setdefault(state, len(states))
    size = len(states)
    counts = np.zeros((size, size))
    to_conversion = np.zeros(size)
    to_null = np.zeros(size)
    # Per last state: conversions and their value, for the average value of a conversion.
    ending_conversions: dict[int, float] = defaultdict(float)
    ending_value: dict[int, float] = defaultdict(float)
    for path, journey in walked:
        weight = journey.conversions + journey.nulls
        previous = 0
        for state in path:
            current = states[state]
            counts[previous, current] += weight
            previous = current
        to_conversion[previous] += journey.conversions
        to_null[previous] += journey.nulls
        ending_conversions[previous] += journey.conversions
        ending_value[previous] += journey.value or 0.0

    totals = counts.sum(axis=1) + to_conversion + to_null
    # Every state was reached by some journey and leads on, so no row total is zero.
    q = counts / totals[:, None]
    p_conversion = to_conversion / totals
    value_per_conversion = np.array(
        [
            ending_value[i] / ending_conversions[i] if ending_conversions.get(i) else 0.0
            for i in range(size)
        ]
    )
    rewards = np.column_stack([p_conversion, p_conversion * value_per_conversion])

    base = _absorb(q, rewards)
    conversion_effects: dict[str, float] = {}
    value_effects: dict[str, float] = {}
    for channel in channels:
        removed = [i for state, i in states.items() if channel in state]
        cut = q.copy()
        # Moving into a removed state now means ending in null: drop those transitions
        # (their probability becomes absorption in null, which earns nothing).
        cut[:, removed] = 0.0
        without = _absorb(cut, rewards)
        conversion_effects[channel] = _effect(without[0], base[0])
        value_effects[channel] = _effect(without[1], base[1])

    return Attribution(
        conversions=_share(conversion_effects, total_conversions),
        value=_share(value_effects, total_value) if has_value else None,
    )


def _absorb(q: np.ndarray, rewards: np.ndarray) -> tuple[float, float]:
    """Expected rewards collected on absorption, starting from state 0 (start).

    Row i of ``rewards`` is what absorbing straight from state i earns (probability of
    conversion, expected value). Solving ``(I - Q) X = rewards`` gives, for every state,
    the expected reward of the walk from there.
    """
    solved = np.linalg.solve(np.eye(len(q)) - q, rewards)
    return float(solved[0, 0]), float(solved[0, 1])


def _effect(without: float, base: float) -> float:
    if base <= 0:
        return 0.0
    # Rounding can make an irrelevant channel's effect a hair below zero.
    return max(0.0, 1.0 - without / base)


def _share(effects: dict[str, float], total: float) -> dict[str, float]:
    effect_sum = sum(effects.values())
    if effect_sum <= 0:
        return {c: 0.0 for c in effects}
    return {c: total * e / effect_sum for c, e in effects.items()}
