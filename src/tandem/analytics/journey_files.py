"""Journey files for attribution: checked column by column, then handed to the engine.

Two layouts are read (column names are matched ignoring case and surrounding spaces):

Path-aggregated (ChannelAttribution's format)
    ``path`` (channels joined by ``>``), ``total_conversions``, and optionally
    ``total_conversion_value`` and ``total_null``: one row per distinct path.
Event-level
    ``journey_id``, ``timestamp``, ``channel``, and optionally ``conversion`` (1/0,
    true/false, yes/no; empty is no), ``value`` (the conversion's value) and
    ``milestone`` (``lead``, ``opportunity`` or ``close``, several joined by ``+``: the
    touch that created the lead, created the opportunity or closed the deal). One row
    per touch. Without a ``conversion`` column every journey converts at its last
    touch, and its values add up.

Checks are vectorised (a million rows take well under a second) and the first bad cell
is reported with its row, numbered as a spreadsheet shows it (the header is row 1),
and its column.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tandem.analytics.tabular import FALSE_WORDS, TRUE_WORDS
from tandem.core.attribution import AttributionError
from tandem.core.attribution.engine import MILESTONES, JourneyTables, journeys_from_events

PATH_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")
EVENT_COLUMNS = ("journey_id", "timestamp", "channel", "conversion", "value", "milestone")
_ISO = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"


def load_journeys(frame: pd.DataFrame, *, lookback_days: float | None = None) -> JourneyTables:
    """The journeys of a path-aggregated or event-level table, checked cell by cell."""
    columns = {str(name).strip().casefold(): name for name in frame.columns}
    if "path" in columns:
        if lookback_days is not None:
            raise AttributionError(
                "a lookback window needs timestamps; path files have none "
                "(give event-level input, or leave out the lookback)"
            )
        rows, has_value = path_table(frame, columns)
        touches, journeys, labels = split_paths(rows)
        return JourneyTables.from_paths(
            ibis.memtable(touches), ibis.memtable(journeys), has_value=has_value, labels=labels
        )
    if {"journey_id", "timestamp", "channel"} <= columns.keys():
        table, has_value, has_milestones = event_table(frame, columns)
        return journeys_from_events(
            ibis.memtable(table),
            lookback_days=lookback_days,
            has_value=has_value,
            has_milestones=has_milestones,
        )
    raise AttributionError(
        "this is neither a path file (columns path, total_conversions[, "
        "total_conversion_value, total_null]) nor an event file (columns journey_id, "
        "timestamp, channel[, conversion, value, milestone]); the columns are "
        + ", ".join(repr(str(c)) for c in frame.columns)
    )


def path_table(frame: pd.DataFrame, columns: dict[str, object]) -> tuple[pa.Table, bool]:
    """``path, conversions, nulls, value`` from ChannelAttribution's columns."""
    if "total_conversions" not in columns:
        raise AttributionError("no column named 'total_conversions'", column="total_conversions")
    # Kept in Arrow: the path column is the big one, and this is the hot path. Empty
    # paths and empty touches ("A>>B") are found while splitting, in split_paths.
    paths = _arrow_text(frame[columns["path"]])
    conversions = _amounts(frame[columns["total_conversions"]], "total_conversions", True)
    nulls = (
        _amounts(frame[columns["total_null"]], "total_null", False)
        if "total_null" in columns
        else pd.Series(0.0, index=frame.index)
    )
    has_value = "total_conversion_value" in columns
    value = (
        _amounts(frame[columns["total_conversion_value"]], "total_conversion_value", False)
        if has_value
        else pd.Series(np.nan, index=frame.index)
    )
    table = pa.table(
        {
            "journey": pa.array(np.arange(len(frame), dtype=np.int64)),
            "path": paths,
            "conversions": pa.array(conversions.to_numpy(), pa.float64()),
            "nulls": pa.array(nulls.to_numpy(), pa.float64()),
            "value": pa.array(value.to_numpy(), pa.float64(), from_pandas=True),
        }
    )
    return table, has_value


def split_paths(rows: pa.Table) -> tuple[pa.Table, pa.Table, tuple[str, ...]]:
    """Path rows as the engine's two tables, and the channel names.

    The touches carry each channel as a code into the names; the journeys carry their
    length. Split in Arrow, vectorised: reading a file is not the engine's work, and a
    list explode in SQL costs more than the whole attribution that follows.
    """
    # The touches are cut out of the paths' own bytes: each touch starts where its path
    # starts or just after a ">" and runs to the next start, so a touch keeps its
    # trailing " > ". ">" is one byte in UTF-8 and never part of another character.
    paths = rows["path"].combine_chunks().cast(pa.string())
    _, offset_buffer, data_buffer = paths.buffers()
    path_offsets = np.frombuffer(offset_buffer, dtype=np.int32)[
        paths.offset : paths.offset + len(paths) + 1
    ].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.empty(0)
    separators = np.flatnonzero(data[path_offsets[0] : path_offsets[-1]] == ord(">"))
    separators += path_offsets[0]
    # Touch k of path p sits at index first[p] + k, where first[p] counts the paths and
    # separators before p; the j-th separator (inside path q: it lies strictly within
    # its path) opens touch q + j + 1. Placing them there keeps every touch in order
    # without sorting, empty paths and touches included.
    count = len(paths)
    total = count + len(separators)
    before = np.searchsorted(separators, path_offsets, side="left")
    first = np.arange(count) + before[:-1]
    owner = np.repeat(np.arange(count), np.diff(before))
    after = owner + np.arange(len(separators)) + 1
    starts = np.empty(total, dtype=np.int64)
    parent = np.empty(total, dtype=np.int64)
    starts[first], parent[first] = path_offsets[:-1], np.arange(count)
    starts[after], parent[after] = separators + 1, owner
    lengths = np.diff(np.append(first, total))
    pos = np.arange(total, dtype=np.int64) - first[parent]
    touch_offsets = np.append(starts, path_offsets[-1]).astype(np.int32)
    flat = pa.StringArray.from_buffers(total, pa.py_buffer(touch_offsets), data_buffer)
    # Encode first, then trim the few distinct spellings ("A", " A > ") and merge them:
    # trimming every touch would cost more than the rest of the split.
    encoded = pc.dictionary_encode(flat)
    spelled = [text.rstrip(">").strip() for text in encoded.dictionary.to_pylist()]
    labels = tuple(dict.fromkeys(spelled))
    if "" in labels:
        empty = np.flatnonzero(np.array(spelled) == "")
        culprit = int(np.flatnonzero(np.isin(encoded.indices.to_numpy(), empty))[0])
        row = int(parent[culprit])
        path = rows["path"][row].as_py()
        message = "empty path" if path == "" else f"empty touch in {path!r}"
        raise AttributionError(message, row=row + 2, column="path")
    merged = np.array([labels.index(text) for text in spelled], dtype=np.int32)
    touches = pa.table(
        {
            "journey": rows["journey"].combine_chunks().take(pa.array(parent)),
            "pos": pa.array(pos),
            "channel": pa.array(merged[encoded.indices.to_numpy()]),
            "age": pa.array((lengths[parent] - 1 - pos).astype(np.float64)),
            "milestone": pa.nulls(len(parent), pa.string()),
        }
    )
    journeys = rows.drop_columns(["path"]).append_column("touches", pa.array(lengths))
    return touches, journeys, labels


def event_table(frame: pd.DataFrame, columns: dict[str, object]) -> tuple[pa.Table, bool, bool]:
    """``journey, ts, seq, channel, converted, value, milestone`` from an event file."""
    journey = _text(frame[columns["journey_id"]])
    _refuse(journey == "", "empty; every touch needs its journey's id", "journey_id")
    channel = _text(frame[columns["channel"]])
    _refuse(channel == "", "empty; every touch needs a channel", "channel")
    ts = _timestamps(frame[columns["timestamp"]])

    if "conversion" in columns:
        flags = _text(frame[columns["conversion"]]).str.casefold()
        yes = flags.isin(TRUE_WORDS | {"1", "1.0"})
        no = flags.isin(FALSE_WORDS | {"0", "0.0", ""})
        _refuse(
            ~(yes | no),
            "{!r} is not a conversion flag; use 1/0, true/false or yes/no",
            "conversion",
            flags,
        )
        converted = yes
    else:
        converted = None
    has_value = "value" in columns
    value = (
        _amounts(frame[columns["value"]], "value", False, empty_is_nan=True)
        if has_value
        else pd.Series(np.nan, index=frame.index)
    )
    has_milestones = "milestone" in columns
    milestone = (
        _milestones(frame[columns["milestone"]])
        if has_milestones
        else pd.Series(None, index=frame.index, dtype=object)
    )
    seq = pd.Series(np.arange(len(frame), dtype=np.int64), index=frame.index)
    if converted is None:
        # Every journey converts at its last touch, worth all its values together.
        order = pd.DataFrame({"journey": journey, "ts": ts, "seq": seq}).sort_values(
            ["journey", "ts", "seq"]
        )
        last = ~order["journey"].duplicated(keep="last")
        converted = pd.Series(False, index=frame.index)
        converted.loc[order.index[last.to_numpy()]] = True
        if has_value:
            totals = value.fillna(0.0).groupby(journey).transform("sum")
            value = totals.where(converted)
    table = pa.table(
        {
            "journey": pa.array(journey.to_numpy(dtype=object), pa.string()),
            "ts": pa.Array.from_pandas(ts).cast(pa.timestamp("us", tz="UTC")),
            "seq": pa.array(seq.to_numpy()),
            "channel": pa.array(channel.to_numpy(dtype=object), pa.string()),
            "converted": pa.array(converted.to_numpy(dtype=bool)),
            "value": pa.array(value.to_numpy(dtype=float), pa.float64(), from_pandas=True),
            "milestone": pa.array(milestone.to_numpy(dtype=object), pa.string(), from_pandas=True),
        }
    )
    return table, has_value, has_milestones


def _text(values: pd.Series) -> pd.Series:
    """Cells as trimmed text; missing cells are empty strings."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _arrow_text(values: pd.Series) -> pa.Array:
    """Cells as trimmed Arrow strings; missing cells are empty strings."""
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects
        array = pa.array(_text(values).to_numpy(dtype=object), pa.string())
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(array, ""))


def _refuse(bad: pd.Series, message: str, column: str, cells: pd.Series | None = None) -> None:
    """Raise for the first row where ``bad`` holds; ``{!r}`` in the message is the cell."""
    if not bad.any():
        return
    row = int(np.flatnonzero(bad.to_numpy())[0])
    cell = str(cells.iloc[row]) if cells is not None else None
    raise AttributionError(message.format(cell), row=row + 2, column=column)


def _amounts(
    values: pd.Series, column: str, required: bool, *, empty_is_nan: bool = False
) -> pd.Series:
    """Non-negative finite numbers; an empty optional cell is 0 (or NaN if asked)."""
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    if numeric and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.astype("float64")
        empty = numbers.isna()
        cells: pd.Series = numbers
    else:
        cells = _text(values)
        empty = cells == ""
        numbers = pd.to_numeric(cells.where(~empty), errors="coerce").astype("float64")
    if required:
        _refuse(empty, "empty; a number is needed", column)
    _refuse(~empty & numbers.isna(), "{!r} is not a number", column, cells)
    _refuse(
        ~empty & ~np.isfinite(numbers.fillna(0.0)), "{!r} is not a finite number", column, cells
    )
    _refuse(~empty & (numbers < 0), "{!r} is negative; counts and values cannot be", column, cells)
    return numbers if empty_is_nan else numbers.fillna(0.0)


def _timestamps(values: pd.Series) -> pd.Series:
    """ISO 8601 timestamps (a time zone is honoured, none means UTC), or a clear error."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = pd.to_datetime(values, utc=True)
        _refuse(stamps.isna(), "empty; every touch needs a timestamp", "timestamp")
        return stamps
    text = _text(values)
    _refuse(text == "", "empty; every touch needs a timestamp", "timestamp")
    _refuse(
        ~text.str.fullmatch(_ISO),
        "{!r} is not a timestamp; write it as ISO 8601, e.g. 2024-03-31 14:05:00",
        "timestamp",
        text,
    )
    stamps = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    _refuse(stamps.isna(), "{!r} is not a real date and time", "timestamp", text)
    return stamps


def _milestones(values: pd.Series) -> pd.Series:
    text = _text(values).str.casefold().str.replace(" ", "", regex=False)
    parts = text.str.split("+")
    known = parts.map(lambda names: all(name in MILESTONES for name in names))
    _refuse(
        (text != "") & ~known,
        "{!r} is not a milestone; use lead, opportunity or close (several joined by +)",
        "milestone",
        text,
    )
    return text.where(text != "", None)
