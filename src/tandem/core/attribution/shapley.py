"""Shapley-value attribution over the sets of channels journeys actually used.

The coalition game: ``v(S)`` = the conversions of the journeys whose set of channels is
a subset of ``S`` (order and repeats within a path do not matter). It is the usual
choice in marketing attribution because ``v(all channels)`` is the total number of
conversions, so the Shapley values add up to it with no rescaling; the alternative,
conversion rates per channel set, needs rescaling and is unstable for rare sets.
Journeys that did not convert (nulls) do not change ``v`` in this game.

This game is a sum of one "unanimity" game per journey (worth its conversions once all
its channels are present), and the Shapley value of such a game is an equal split among
those channels. So the exact Shapley values are: each journey's conversions split
equally among its distinct channels. That is exact for any number of channels, which is
why no Monte-Carlo fallback is needed for this game. :func:`exact_shapley` computes the
values of an arbitrary game by enumerating coalitions; it checks the closed form in the
tests and refuses more than :data:`MAX_EXACT_PLAYERS` players, where enumeration (2^n
coalitions) stops being practical.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from math import factorial

from tandem.core.attribution.paths import Attribution, AttributionError, Journey

MAX_EXACT_PLAYERS = 20


def attribute_shapley(journeys: list[Journey]) -> Attribution:
    """Exact Shapley values of the "subset of channels" game, for conversions and value."""
    conversions: dict[str, float] = defaultdict(float)
    values: dict[str, float] = defaultdict(float)
    has_value = any(j.value is not None for j in journeys)
    for journey in journeys:
        channels = sorted(set(journey.touches))
        for channel in channels:
            conversions[channel] += journey.conversions / len(channels)
            values[channel] += (journey.value or 0.0) / len(channels)
    return Attribution(
        conversions=dict(conversions),
        value={c: values[c] for c in conversions} if has_value else None,
    )


def subset_game(journeys: list[Journey]) -> Callable[[frozenset[str]], float]:
    """``v(S)``: conversions of the journeys whose channel set is a subset of ``S``."""
    by_set: dict[frozenset[str], float] = defaultdict(float)
    for journey in journeys:
        by_set[frozenset(journey.touches)] += journey.conversions
    return lambda coalition: sum(c for used, c in by_set.items() if used <= coalition)


def exact_shapley(
    players: Sequence[str], game: Callable[[frozenset[str]], float]
) -> dict[str, float]:
    """The Shapley value of each player, by enumerating every coalition of the others."""
    n = len(players)
    if n > MAX_EXACT_PLAYERS:
        raise AttributionError(
            f"exact Shapley values over {n} channels need 2^{n} coalitions; at most "
            f"{MAX_EXACT_PLAYERS} channels are supported"
        )
    weights = [factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)]
    result: dict[str, float] = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for k in range(n):
            for coalition in combinations(others, k):
                members = frozenset(coalition)
                total += weights[k] * (game(members | {player}) - game(members))
        result[player] = total
    return result
