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
from dataclasses import dataclass

import numpy as np

from tandem.core.attribution.paths import Attribution, AttributionError, Journey, markov_states

MAX_ORDER = 4

State = tuple[str, ...]


@dataclass(frozen=True)
class ChainCounts:
    """What the removal effects are computed from: weighted transitions of the chain.

    ``states`` lists the transient states (each a tuple of channels); index 0 is the
    empty tuple, "start". ``source``/``target``/``weight`` are parallel arrays of
    transitions between those states, summed over journeys. ``conversions``, ``nulls``
    and ``value`` are per state: how many journeys ended there converted, ended there
    without converting, and the value of those conversions.
    """

    states: list[State]
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    conversions: np.ndarray
    nulls: np.ndarray
    value: np.ndarray
    has_value: bool
    channels: list[str]


def count_chain(journeys: list[Journey], *, order: int = 1) -> ChainCounts:
    """Count the transitions of ``journeys`` at ``order`` (the reference, in Python).

    :mod:`tandem.core.attribution.engine` counts the same things in a query engine.
    """
    check_order(order)
    walked = [(markov_states(j.touches, order), j) for j in journeys if j.conversions + j.nulls > 0]
    states: dict[State, int] = {(): 0}
    source: list[int] = []
    target: list[int] = []
    weight: list[float] = []
    conversions: dict[int, float] = defaultdict(float)
    nulls: dict[int, float] = defaultdict(float)
    value: dict[int, float] = defaultdict(float)
    for path, journey in walked:
        previous = 0
        for state in path:
            current = states.setdefault(state, len(states))
            source.append(previous)
            target.append(current)
            weight.append(journey.conversions + journey.nulls)
            previous = current
        conversions[previous] += journey.conversions
        nulls[previous] += journey.nulls
        value[previous] += journey.value or 0.0
    size = len(states)
    return ChainCounts(
        states=list(states),
        source=np.array(source, dtype=np.int64),
        target=np.array(target, dtype=np.int64),
        weight=np.array(weight, dtype=np.float64),
        conversions=_dense(conversions, size),
        nulls=_dense(nulls, size),
        value=_dense(value, size),
        has_value=any(j.value is not None for j in journeys),
        channels=sorted({touch for j in journeys for touch in j.touches}),
    )


def check_order(order: int) -> None:
    if not 1 <= order <= MAX_ORDER:
        raise AttributionError(f"the Markov order must be between 1 and {MAX_ORDER}, not {order}")


def attribute_markov(journeys: list[Journey], *, order: int = 1) -> Attribution:
    """Credit conversions (and value) by each channel's removal effect at ``order``."""
    return solve_chain(count_chain(journeys, order=order))


def solve_chain(chain: ChainCounts) -> Attribution:
    """Removal effects of every channel of ``chain``, shared out over its conversions."""
    channels = chain.channels
    total_conversions = float(chain.conversions.sum())
    total_value = float(chain.value.sum())
    if not channels or total_conversions == 0:
        zero = {c: 0.0 for c in channels}
        return Attribution(conversions=zero, value=dict(zero) if chain.has_value else None)

    size = len(chain.states)
    # Every state was reached by some journey and leads on, so no row total is zero.
    totals = (
        np.bincount(chain.source, weights=chain.weight, minlength=size)
        + chain.conversions
        + chain.nulls
    )
    probability = chain.weight / totals[chain.source]
    p_conversion = chain.conversions / totals
    value_per_conversion = np.divide(
        chain.value,
        chain.conversions,
        out=np.zeros(size),
        where=chain.conversions > 0,
    )
    rewards = np.column_stack([p_conversion, p_conversion * value_per_conversion])

    base = _absorb(size, chain.source, chain.target, probability, rewards)
    # A state is removed with a channel when the channel is one of its touches.
    members: dict[str, np.ndarray] = {}
    for channel in channels:
        members[channel] = np.array([channel in state for state in chain.states])
    conversion_effects: dict[str, float] = {}
    value_effects: dict[str, float] = {}
    for channel in channels:
        # Moving into a removed state now means ending in null: drop those transitions
        # (their probability becomes absorption in null, which earns nothing).
        keep = ~members[channel][chain.target]
        without = _absorb(size, chain.source[keep], chain.target[keep], probability[keep], rewards)
        conversion_effects[channel] = _effect(without[0], base[0])
        value_effects[channel] = _effect(without[1], base[1])

    return Attribution(
        conversions=_share(conversion_effects, total_conversions),
        value=_share(value_effects, total_value) if chain.has_value else None,
    )


# Up to this many states a dense solve is fastest; beyond it (higher orders, many
# channels) the transition matrix is sparse and a sparse LU keeps memory linear.
DENSE_LIMIT = 400


def _absorb(
    size: int,
    source: np.ndarray,
    target: np.ndarray,
    probability: np.ndarray,
    rewards: np.ndarray,
) -> tuple[float, float]:
    """Expected rewards collected on absorption, starting from state 0 (start).

    Row i of ``rewards`` is what absorbing straight from state i earns (probability of
    conversion, expected value). Solving ``(I - Q) X = rewards`` gives, for every state,
    the expected reward of the walk from there.
    """
    if size <= DENSE_LIMIT:
        q = np.zeros((size, size))
        np.add.at(q, (source, target), probability)
        solved = np.linalg.solve(np.eye(size) - q, rewards)
    else:
        from scipy.sparse import coo_matrix, identity
        from scipy.sparse.linalg import splu

        q = coo_matrix((probability, (source, target)), shape=(size, size)).tocsc()
        solved = splu((identity(size, format="csc") - q).tocsc()).solve(rewards)
    return float(solved[0, 0]), float(solved[0, 1])


def _dense(values: dict[int, float], size: int) -> np.ndarray:
    out = np.zeros(size)
    for index, amount in values.items():
        out[index] = amount
    return out


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
