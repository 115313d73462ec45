"""Journeys, the result type, and the path handling every model shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tandem.core.errors import CoreError

PATH_SEPARATOR = ">"
PATH_COLUMN = "path"
CONVERSIONS_COLUMN = "total_conversions"
VALUE_COLUMN = "total_conversion_value"
NULL_COLUMN = "total_null"


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


def journeys_from_rows(
    columns: Iterable[str], rows: Iterable[Mapping[str, object]]
) -> tuple[list[Journey], bool]:
    """Journeys from a path-aggregated table's cells, and whether it had values.

    Cells are usually text (as read from CSV); numbers, as a Parquet file holds them,
    are accepted too.

    ``rows`` are the records after the header, so the first is spreadsheet row 2.
    Raises :class:`AttributionError` naming the row and column of the first bad cell.
    """
    names = set(columns)
    if PATH_COLUMN not in names:
        if {"timestamp", "channel"} <= {name.casefold() for name in names}:
            raise AttributionError(
                "event-level input is not supported yet; aggregate it into a "
                f"{PATH_COLUMN!r} and {CONVERSIONS_COLUMN!r} file first"
            )
        raise AttributionError(
            f"no column named {PATH_COLUMN!r}; a path file has the columns "
            f"{PATH_COLUMN!r}, {CONVERSIONS_COLUMN!r} and optionally {VALUE_COLUMN!r} "
            f"and {NULL_COLUMN!r}",
            column=PATH_COLUMN,
        )
    if CONVERSIONS_COLUMN not in names:
        raise AttributionError(f"no column named {CONVERSIONS_COLUMN!r}", column=CONVERSIONS_COLUMN)
    has_value = VALUE_COLUMN in names
    has_null = NULL_COLUMN in names
    journeys: list[Journey] = []
    for row_number, row in enumerate(rows, start=2):
        try:
            touches = parse_path(_text(row.get(PATH_COLUMN)))
        except ValueError as exc:
            raise AttributionError(str(exc), row=row_number, column=PATH_COLUMN) from None
        conversions = _count(row, CONVERSIONS_COLUMN, row_number, required=True)
        nulls = _count(row, NULL_COLUMN, row_number, required=False) if has_null else 0.0
        value = _count(row, VALUE_COLUMN, row_number, required=False) if has_value else None
        journeys.append(Journey(touches=touches, conversions=conversions, nulls=nulls, value=value))
    return journeys, has_value


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _count(row: Mapping[str, object], column: str, row_number: int, *, required: bool) -> float:
    text = _text(row.get(column))
    if text == "":
        if required:
            raise AttributionError("empty; a number is needed", row=row_number, column=column)
        # An empty optional cell (no nulls, no value recorded) means nothing happened.
        return 0.0
    try:
        number = float(text)
    except ValueError:
        raise AttributionError(f"{text!r} is not a number", row=row_number, column=column) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise AttributionError(f"{text!r} is not a finite number", row=row_number, column=column)
    if number < 0:
        raise AttributionError(
            f"{text!r} is negative; counts and values cannot be", row=row_number, column=column
        )
    return number
