"""Reading and cleaning the tables people export from a CRM, a form tool or a spreadsheet.

Real exports are messy in the same few ways: a byte-order mark, Windows line endings,
semicolons instead of commas (Excel in most of Europe), a ``sep=;`` first line, a
form's "Select" placeholder standing for "nothing chosen", numbers written as text
("1,234", "12.5%", "$99"), and Yes/No flags. :func:`read_table` gets the cells out of
the file without guessing at their types (every cell is text), and :func:`clean`
decides the types column by column, so the same rules apply whether a table came from
a CSV file, a Parquet file or a DataFrame built in code.

How numbers are read (column by column, never cell by cell, because "1,234" means one
thousand two hundred and thirty-four in an English export and one point two three four
in a German one, and only the rest of the column can tell):

- a column becomes numeric when at least 95 % of its non-empty cells read as numbers;
  the other cells become missing and :func:`clean_with_notes` says how many;
- by default a comma groups thousands ("1,234.5" is 1234.5); the column is read with a
  decimal comma instead when some cell can only mean that ("12,5", "1.234,5",
  "1.234.567"); a column that mixes both styles stays text;
- "12.5%" reads as 12.5 (percentage points, so "12.5%" and "12.5" in one column agree);
- a currency sign before or after the number ("$99", "99 €") and accounting negatives
  ("(1,234)") are accepted;
- a column in which some value has a leading zero ("02134", "007") stays text: those
  are codes (postcodes, phone numbers, account codes), not quantities.

Yes/No, True/False and Y/N columns (every non-empty cell one of those words, any case)
become 0/1. Dates are recognised only when they are unambiguous: ISO dates
("2024-03-31", with or without a time) and day/month/year or month/day/year when some
cell has a day above 12 and no cell contradicts it.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tandem.errors import TandemError

# Matched after trimming, ignoring case. "Select" is the placeholder of a web form's
# drop-down; "#N/A" is what Excel writes for a failed lookup.
DEFAULT_MISSING_TOKENS: tuple[str, ...] = (
    "",
    "Select",
    "NA",
    "N/A",
    "#N/A",
    "null",
    "None",
    "NaN",
    "-",
    "--",
    "(blank)",
)

NUMERIC_SHARE = 0.95
DATE_SHARE = 0.95
DELIMITERS = (",", ";", "\t", "|")
TRUE_WORDS = frozenset({"yes", "y", "true"})
FALSE_WORDS = frozenset({"no", "n", "false"})
PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".numbers"})


class TabularError(TandemError):
    """A table that cannot be used as given; the message says where and what to do.

    ``path``, ``row``, ``column`` and the bare ``detail`` are kept as attributes too.
    ``row`` is numbered as a spreadsheet shows it: the header is row 1, the first
    record row 2.
    """

    def in_file(self, path: str | Path) -> TabularError:
        """The same error, naming ``path`` when it did not name a file yet."""
        if self.path is not None:
            return self
        return TabularError(self.detail, path=path, row=self.row, column=self.column)

    code = "invalid_table"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = []
        if path is not None:
            where.append(Path(path).name)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full, field=column)
        self.detail = message
        self.path = None if path is None else Path(path)
        self.row = row
        self.column = column


@dataclass(frozen=True, kw_only=True)
class CleaningNote:
    """Something :func:`clean` decided about one column that a person may want to know."""

    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column!r}: {self.message}"


# --------------------------------------------------------------------------- reading


def read_table(path: str | Path) -> pd.DataFrame:
    """Every cell of a CSV (or gzipped CSV) or Parquet file; CSV cells come back as text.

    The delimiter (comma, semicolon, tab or bar) and the encoding (UTF-8 with or without
    a byte-order mark, UTF-16 with one, else Windows-1252 as Excel writes it) are
    detected. Empty cells are empty strings; :func:`clean` turns them into missing
    values. Raises :class:`TabularError` when the file is missing, empty, not a table,
    has a row with more cells than the header, or repeats a column name.
    """
    path = Path(path)
    if not path.exists():
        raise TabularError("file not found", path=path)
    if path.is_dir():
        raise TabularError("is a folder, not a file", path=path)
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        raise TabularError(
            "spreadsheet files are not read directly; save the sheet as CSV "
            "(File > Save As > CSV UTF-8) and use that file",
            path=path,
        )
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise TabularError(f"damaged gzip file ({exc})", path=path) from None
    if data[:4] == b"PAR1":
        return _read_parquet(path)
    text = _decode(data, path)
    return _read_csv_text(text, path)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise TabularError(f"not a readable Parquet file ({exc})", path=path) from None


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise TabularError("looks like a binary file, not CSV text", path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves "CSV" in the machine's code page, most often this one.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_csv_text(text: str, path: Path) -> pd.DataFrame:
    if not text.strip():
        raise TabularError("the file is empty", path=path)
    delimiter = None
    first_line, _, rest = text.partition("\n")
    hint = re.fullmatch(r"\s*sep=(.)\s*", first_line.rstrip("\r"))
    if hint:
        # Excel writes and reads this line to say which delimiter the file uses.
        delimiter = hint.group(1)
        text = rest
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    names = [name.strip() for name in header]
    _check_header(names, path)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise _parser_error(exc, path) from None
    except pd.errors.EmptyDataError:
        raise TabularError("the file has no header row", path=path) from None
    frame.columns = pd.Index(names[: len(frame.columns)])
    # Excel adds a nameless, empty column when rows end with a delimiter.
    unnamed = [c for c in frame.columns if c == "" and (frame[c] == "").all()]
    return frame.drop(columns=unnamed)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, equally long rows."""
    sample_lines = text.splitlines()[:50]
    sample = "\n".join(sample_lines)
    best, best_score = ",", (0.0, 1)
    for candidate in DELIMITERS:
        rows = [row for row in csv.reader(io.StringIO(sample), delimiter=candidate) if row]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        # The last sample line may be cut in the middle of a quoted field.
        body = rows[1:-1] if len(rows) > 2 else rows[1:]
        consistent = sum(len(row) == width for row in body) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _check_header(names: list[str], path: Path) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name == "":
            continue
        if name in seen:
            raise TabularError(
                f"the column name appears twice (columns {seen[name]} and {position}); "
                "rename one of them",
                path=path,
                row=1,
                column=name,
            )
        seen[name] = position


def _parser_error(exc: Exception, path: Path) -> TabularError:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found:
        expected, row, saw = (int(part) for part in found.groups())
        return TabularError(
            f"has {saw} cells but the header has {expected}; a value containing the "
            "delimiter probably lost its quotes",
            path=path,
            row=row,
        )
    return TabularError(f"not a readable CSV file ({exc})", path=path)


# --------------------------------------------------------------------------- cleaning


def clean(
    df: pd.DataFrame,
    *,
    missing_tokens: Iterable[str] = DEFAULT_MISSING_TOKENS,
    extra_missing: Iterable[str] = (),
) -> pd.DataFrame:
    """A typed copy of ``df``: placeholders missing, text trimmed, numbers and flags read.

    See the module docstring for the rules. Columns that are already numeric, boolean
    or datetime keep their values (booleans become 0/1). Never raises for odd cells:
    what cannot be read stays text, and :func:`clean_with_notes` reports what changed.
    """
    return clean_with_notes(df, missing_tokens=missing_tokens, extra_missing=extra_missing)[0]


def clean_with_notes(
    df: pd.DataFrame,
    *,
    missing_tokens: Iterable[str] = DEFAULT_MISSING_TOKENS,
    extra_missing: Iterable[str] = (),
) -> tuple[pd.DataFrame, list[CleaningNote]]:
    """:func:`clean`, plus a note for each column whose cells were changed or dropped."""
    tokens = missing_token_set([*missing_tokens, *extra_missing])
    repeated = df.columns[df.columns.duplicated()]
    if len(repeated):
        raise TabularError(
            "the column name appears more than once; rename the copies", column=str(repeated[0])
        )
    # Work on a plain 0..n-1 index, so that a caller's repeated index labels cannot
    # misalign anything, and put the caller's index back at the end.
    work = df.reset_index(drop=True)
    notes: list[CleaningNote] = []
    columns: dict[str, pd.Series] = {}
    for name in work.columns:
        series, note = _clean_column(work[name], tokens)
        columns[name] = series
        if note:
            notes.append(CleaningNote(column=str(name), message=note))
    cleaned = pd.DataFrame(columns, index=work.index)
    cleaned.index = df.index
    return cleaned, notes


def missing_token_set(tokens: Iterable[str]) -> frozenset[str]:
    """The tokens as :func:`clean` compares them: trimmed and case-folded."""
    return frozenset(token.strip().casefold() for token in tokens)


def text_cells(values: pd.Series, tokens: frozenset[str]) -> pd.Series:
    """Cells as trimmed text (object dtype), with placeholders and blanks as missing.

    Numbers that arrive as floats but are whole ("3.0") read "3", so that a column typed
    by one file and read as text from another compare equal.
    """
    # Exports repeat a few values many times: clean each distinct value once.
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    cleaned = np.full(len(uniques) + 1, np.nan, dtype=object)
    for position, value in enumerate(uniques):
        text = _cell_text(value)
        if text.casefold() not in tokens:
            cleaned[position] = text
    # Code -1 (missing) picks the last slot, which stays NaN.
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def _cell_text(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _clean_column(series: pd.Series, tokens: frozenset[str]) -> tuple[pd.Series, str | None]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64"), None
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return series, None
    text = text_cells(series, tokens)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    present = int((codes >= 0).sum())
    if present == 0:
        return pd.Series(np.nan, index=series.index, dtype="float64"), None
    # Decide on the distinct values, weighted by how often each occurs, then spread
    # the result back over the rows: far cheaper than parsing every cell.
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    weights = np.bincount(codes[codes >= 0], minlength=len(distinct))

    def spread(parsed: pd.Series) -> pd.Series:
        # One extra missing slot at the end, picked by the missing rows' code -1.
        slots = pd.concat([parsed, pd.Series([None], dtype=parsed.dtype)], ignore_index=True)
        return pd.Series(slots.to_numpy()[codes], index=series.index)

    flags = parse_flags(distinct)
    if flags.notna().all():
        return spread(flags), None
    if not _has_leading_zero_code(distinct):
        numbers = parse_numbers(distinct)
        read = int(weights[numbers.notna().to_numpy()].sum())
        if read >= NUMERIC_SHARE * present:
            note = None
            if read < present:
                note = (
                    f"{present - read} of {present} values are not numbers and were "
                    f"treated as missing (e.g. {_examples(distinct[numbers.isna()])})"
                )
            return spread(numbers), note
    dates = parse_dates(distinct)
    read = int(weights[dates.notna().to_numpy()].sum())
    if read >= DATE_SHARE * present:
        note = None
        if read < present:
            note = (
                f"{present - read} of {present} values are not dates and were treated as "
                f"missing (e.g. {_examples(distinct[dates.isna()])})"
            )
        return spread(dates), note
    return text, None


def _examples(values: pd.Series, limit: int = 3) -> str:
    return ", ".join(repr(v) for v in pd.unique(values)[:limit])


def _has_leading_zero_code(text: pd.Series) -> bool:
    return bool(text.dropna().str.match(r"^0\d").any())


def parse_flags(values: pd.Series) -> pd.Series:
    """1.0 for yes/y/true, 0.0 for no/n/false (any case), NaN for anything else."""
    words = values.astype(object).where(values.notna(), None)
    folded = words.map(lambda v: v.strip().casefold() if isinstance(v, str) else v)
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out[folded.isin(TRUE_WORDS)] = 1.0
    out[folded.isin(FALSE_WORDS)] = 0.0
    return out


_PLAIN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_COMMA_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_DECIMAL_COMMA = r"[+-]?\d+,\d+"
_DOT_THOUSANDS = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"
_ONLY_DECIMAL_COMMA = r"[+-]?(?:\d+,(?:\d{1,2}|\d{4,})|\d{4,},\d+|0,\d+)"
_ONLY_DOT_THOUSANDS = r"[+-]?\d{1,3}(?:(?:\.\d{3}){2,}(?:,\d+)?|\.\d{3},\d+)"
_ONLY_COMMA_THOUSANDS = r"[+-]?\d{1,3}(?:(?:,\d{3}){2,}(?:\.\d+)?|,\d{3}\.\d+)"
_CURRENCY = r"[$€£¥₹]|[A-Z]{3}"


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers read from text cells (see the module docstring), NaN where a cell is not one.

    Numeric input is returned as float. The thousands/decimal style is decided for the
    whole series; a series that needs both styles reads as all NaN.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64")
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: v if isinstance(v, str) else (None if v is None else str(v)))
    body = text.str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "")
    negative = body.str.fullmatch(r"\(.*\)").fillna(False).astype(bool)
    body = body.where(~negative, body.str.slice(1, -1))
    body = body.str.replace(rf"^(?:{_CURRENCY})|(?:{_CURRENCY})$", "", regex=True)
    body = body.str.replace(r"%$", "", regex=True)

    def matches(pattern: str) -> pd.Series:
        return body.str.fullmatch(pattern).fillna(False).astype(bool)

    decimal_comma = bool(matches(_ONLY_DECIMAL_COMMA).any() or matches(_ONLY_DOT_THOUSANDS).any())
    if decimal_comma and bool(matches(_ONLY_COMMA_THOUSANDS).any()):
        return pd.Series(np.nan, index=values.index, dtype="float64")
    if decimal_comma:
        grouped = matches(_DOT_THOUSANDS) | matches(_DECIMAL_COMMA)
        normal = body.where(
            ~grouped, body.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        )
        normal = normal.where(grouped | matches(_PLAIN))
    else:
        grouped = matches(_COMMA_THOUSANDS)
        normal = body.where(~grouped, body.str.replace(",", "", regex=False))
        normal = normal.where(grouped | matches(_PLAIN))
    numbers = pd.to_numeric(normal, errors="coerce").astype("float64")
    return numbers.where(~negative, -numbers)


_ISO_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_SLASH_DATE = r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?"


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates from unambiguous text (see the module docstring), NaT elsewhere.

    Time zones are dropped after converting to UTC, so every value is naive UTC.
    """
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: v.strip() if isinstance(v, str) else None)
    empty = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    present = text.notna()
    if not present.any():
        return empty
    iso = text.str.fullmatch(_ISO_DATE).fillna(False).astype(bool)
    if iso[present].mean() >= 0.5:
        parsed = pd.to_datetime(text.where(iso), errors="coerce", utc=True, format="ISO8601")
        return parsed.dt.tz_localize(None).astype("datetime64[ns]")
    parts = text.str.extract(_SLASH_DATE)
    if parts[0].notna().sum() == 0:
        return empty
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    day_first = bool((first > 12).any())
    month_first = bool((second > 12).any())
    if day_first == month_first:
        return empty  # nothing tells the two orders apart, or the cells disagree
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    dated = parts[0].str.cat([parts[1], parts[2]], sep="/")
    return pd.to_datetime(dated, errors="coerce", format=fmt).astype("datetime64[ns]")


# --------------------------------------------------------------------------- columns


def require_columns(df: pd.DataFrame, names: Sequence[str], *, purpose: str) -> None:
    """Raise :class:`TabularError` for the first of ``names`` that ``df`` lacks.

    The message says what the column was wanted for (``purpose``, e.g. "to drop"),
    suggests a close match, and lists the columns there are.
    """
    available = [str(c) for c in df.columns]
    for name in names:
        if name in df.columns:
            continue
        close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(repr(c) for c in available[:60])
        more = f" and {len(available) - 60} more" if len(available) > 60 else ""
        raise TabularError(
            f"no column named {name!r} {purpose}.{hint} The columns are: {listed}{more}",
            column=name,
        )
