"""Journeys, the result type, and the path handling every model shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tandem.core.errors import CoreError

PATH_SEPARATOR = ">"


class AttributionError(CoreError):
    """Input or options an attribution model cannot use; the message says why.

    ``row`` (numbered as a spreadsheet shows it: the header is row 1) and ``column``
    say where, when the problem is in one cell.
    """

    code = "invalid_attribution_input"

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.detail = message
        self.row = row
        self.column = column


@dataclass(frozen=True, kw_only=True)
class Journey:
    """One distinct path and how often it ended in a conversion or in nothing.

    Counts are floats because aggregated exports sometimes carry weighted counts.
    ``value`` is the total conversion value of the path, or None when unknown.
    """

    touches: tuple[str, ...]
    conversions: float
    nulls: float = 0.0
    value: float | None = None


@dataclass(frozen=True, kw_only=True)
class Attribution:
    """Conversions (and value, when the input had it) credited to each channel."""

    conversions: Mapping[str, float]
    value: Mapping[str, float] | None

    @property
    def channels(self) -> list[str]:
        return sorted(self.conversions)


def parse_path(text: str) -> tuple[str, ...]:
    """``"A > B>C"`` as ``("A", "B", "C")``; raises ValueError for an empty touch."""
    touches = tuple(part.strip() for part in text.split(PATH_SEPARATOR))
    if any(touch == "" for touch in touches):
        raise ValueError("empty path" if text.strip() == "" else f"empty touch in {text!r}")
    return touches


def collapse_repeats(touches: Iterable[str]) -> tuple[str, ...]:
    """Consecutive repeats of one channel merged: A>A>B>A becomes A>B>A."""
    out: list[str] = []
    for touch in touches:
        if not out or out[-1] != touch:
            out.append(touch)
    return tuple(out)


def markov_states(touches: Iterable[str], order: int) -> list[tuple[str, ...]]:
    """The order-``order`` states a path walks through, as ChannelAttribution builds them.

    Repeats are collapsed first, then each state is a window of ``order`` consecutive
    touches, sliding by one. A path shorter than ``order`` is a single, shorter state,
    so that short journeys still count.
    """
    if order < 1:
        raise AttributionError(f"the order must be at least 1, not {order}")
    path = collapse_repeats(touches)
    if len(path) <= order:
        return [path] if path else []
    return [path[i : i + order] for i in range(len(path) - order + 1)]
