"""Compile condition trees to DuckDB SQL with exactly the semantics of ``evaluate``.

:func:`condition_to_sql` turns a tree from :func:`tandem.core.conditions.parse`
into a SQL boolean expression that is never NULL and, row by row, equals
``evaluate(condition, row).verdict``. The generated SQL depends on the column
types, because the condition language compares by the type of the *value*:

* ``VARCHAR`` (and ``ENUM``): text literals compare case-insensitively, number
  literals compare with text that looks like a number (``" -1.5 "``);
* integer, ``DECIMAL``, ``DOUBLE`` and ``FLOAT`` columns compare with number
  literals *exactly*, as Python does between int, float and Decimal: ``x < 0.5``
  on an integer column is ``x < 1``, and a float literal that is not exactly
  representable in the column's type is never equal to any value;
* ``BOOLEAN`` columns compare only with ``true`` and ``false``;
* anything else (dates, lists, ...) has a value, so ``is empty`` is unmet and
  ``!=`` is met, but never equals or orders against a literal.

A field missing from ``types`` behaves like a field missing from the record:
its value is ``None`` everywhere.

Case-insensitivity follows Python's ``str.casefold``. DuckDB's ``lower`` agrees
with it on ASCII but not everywhere else ("ß" folds to "ss", "İ" to "i̇",
Cherokee small letters to capitals, ...), so :func:`casefold_sql` lowers ASCII
text with ``lower`` and corrects the other characters with mapping tables. The
tables are built once per process by comparing DuckDB's ``lower`` with Python's
``casefold`` over every code point, so they match the DuckDB and Python actually
running, whatever their Unicode versions.

Literals are always written by this module's quoting functions; no text from a
condition reaches SQL unescaped.

One divergence remains, for values no person writes: Python reads a numeric
text of more than 4,300 digits as infinity, so it equals an infinite number in
a named list; here such text is an (enormous) integer and equals nothing infinite.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Literal, TypeAlias

import duckdb

from tandem.core.conditions import (
    And,
    Compare,
    Condition,
    InList,
    IsEmpty,
    Leaf,
    Not,
    Op,
    Or,
    UnknownNameError,
)

__all__ = [
    "casefold_sql",
    "column_types",
    "condition_to_sql",
    "quote_ident",
    "re2_class",
    "sql_string",
]

# ---------------------------------------------------------------------------
# Quoting


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier: any column name, safely."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """A SQL string literal for any text (backslashes are literal in DuckDB strings)."""
    if "\x00" in text:
        # A NUL cannot appear inside a literal, but chr(0) can be appended.
        return "(" + " || chr(0) || ".join(sql_string(p) for p in text.split("\x00")) + ")"
    return "'" + text.replace("'", "''") + "'"


def re2_class(ranges: Iterable[tuple[int, int]], *, negate: bool = False) -> str:
    """An RE2 character class for code point ranges, written with ``\\x{...}`` escapes."""
    parts = "".join(
        f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges
    )
    return f"[{'^' if negate else ''}{parts}]"


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name to DuckDB type for a table, view or ``(SELECT ...)`` relation."""
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {str(row[0]): str(row[1]) for row in rows}


# ---------------------------------------------------------------------------
# Case folding

_SURROGATES = range(0xD800, 0xE000)
_MAX_CODE_POINT = 0x10FFFF


@dataclass(frozen=True, kw_only=True)
class _FoldSql:
    """The parts of :func:`casefold_sql`, as SQL, built once per process."""

    # RE2 classes: every character lower() gets wrong, and those of them that
    # the quick correction below does not handle.
    special: str
    rare: str
    # The quick correction, applied before lower(): translate() for characters
    # that fold to one character, replace() for the common expanding ones.
    single_from: str
    single_to: str
    common: tuple[tuple[str, str], ...]
    # Every character lower() gets wrong, mapped to its case fold.
    fold_map: str


@cache
def _fold_sql() -> _FoldSql:
    con = duckdb.connect()
    try:
        rows = con.execute(
            # Two ranges rather than a filter, which DuckDB may apply after chr()
            # has already refused a surrogate.
            "SELECT cp, lower(c) FROM (SELECT cp, chr(CAST(cp AS INTEGER)) AS c FROM "
            "(SELECT range AS cp FROM range(0, 55296) UNION ALL "
            "SELECT range FROM range(57344, ?))) WHERE lower(c) <> c",
            [_MAX_CODE_POINT + 1],
        ).fetchall()
    finally:
        con.close()
    duck_lowered = {chr(cp): str(lowered) for cp, lowered in rows}

    def lower(text: str) -> str:
        return "".join(duck_lowered.get(c, c) for c in text)

    candidates = set(duck_lowered) | set(_changed_by_casefold())
    special = {c: c.casefold() for c in sorted(candidates) if lower(c) != c.casefold()}
    # Corrections made before lower() must produce text lower() leaves alone.
    single = {c: f for c, f in special.items() if len(f) == 1 and lower(f) == f}
    common = {c: f for c, f in special.items() if c in _COMMON_EXPANDING and lower(f) == f}
    # replace() runs one character after another, so no output may contain a
    # character that a later step would change again.
    outputs = "".join(single.values()) + "".join(common.values())
    if any(c in common for c in outputs):
        raise RuntimeError("the quick case-folding corrections would chain")
    rare = [c for c in special if c not in single and c not in common]

    def char_class(chars: Iterable[str]) -> str:
        return sql_string(re2_class(_ranges(map(ord, chars))))

    entries = ", ".join(f"{sql_string(c)}: {sql_string(f)}" for c, f in special.items())
    return _FoldSql(
        special=char_class(special),
        rare=char_class(rare),
        single_from=sql_string("".join(single)),
        single_to=sql_string("".join(single.values())),
        common=tuple((sql_string(c), sql_string(f)) for c, f in common.items()),
        fold_map=f"MAP {{{entries}}}",
    )


def _changed_by_casefold() -> list[str]:
    """Every character that ``str.casefold`` changes, found a block at a time.

    Case folding works character by character, so a block of text that folds
    to itself has no such character; only the few blocks that change are
    examined one character at a time.
    """
    found: list[str] = []
    block = 256
    for lo, hi in ((0, _SURROGATES.start), (_SURROGATES.stop, _MAX_CODE_POINT + 1)):
        # Decoding UTF-32 builds the text of a code point range in one step.
        text = array("I", range(lo, hi)).tobytes().decode("utf-32-le")
        for start in range(0, len(text), block):
            part = text[start : start + block]
            if part.casefold() != part:
                found.extend(c for c in part if c.casefold() != c)
    return found


def casefold_sql(expr: str) -> str:
    """SQL for Python's ``casefold`` of a VARCHAR expression (NULL stays NULL).

    Three paths, cheapest first. ASCII text, and any text without a character
    ``lower`` gets wrong, takes ``lower``. Text whose only such characters are
    the usual ones (German sharp s, Turkish dotted I, Greek final sigma, micro
    sign, typographic ligatures, ...) is corrected with ``translate`` and a few
    ``replace`` calls, then lowered. Anything else (Cherokee, Greek with iota
    subscript, Armenian ligatures, ...) is folded character by character through
    a map: exact, but slow, and rare.
    """
    parts = _fold_sql()
    quick = f"translate({expr}, {parts.single_from}, {parts.single_to})"
    for char, folded in parts.common:
        quick = f"replace({quick}, {char}, {folded})"
    by_character = (
        f"array_to_string([coalesce({parts.fold_map}[c], lower(c)) "
        f"for c in string_split({expr}, '')], '')"
    )
    # strlen counts bytes and length code points: they agree exactly on ASCII.
    return (
        f"(CASE WHEN strlen({expr}) = length({expr}) THEN lower({expr}) "
        f"WHEN regexp_matches({expr}, {parts.rare}) THEN {by_character} "
        f"WHEN regexp_matches({expr}, {parts.special}) THEN lower({quick}) "
        f"ELSE lower({expr}) END)"
    )


# Expanding characters that real names and titles contain.
_COMMON_EXPANDING = frozenset("ßẞİŉﬀﬁﬂﬃﬄﬅﬆ")


def _ranges(code_points: Iterable[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return ranges


# ---------------------------------------------------------------------------
# Numbers

# What str.strip() removes, spelled out for RE2.
_PY_WHITESPACE = (
    (0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
    (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_WS = re2_class(_PY_WHITESPACE)
# The same pattern as conditions._NUMBER_RE, with the stripped whitespace around it.
_NUMERIC_TEXT = f"^{_WS}*(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?){_WS}*$"

_INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
    "UTINYINT": (0, 2**8 - 1),
    "USMALLINT": (0, 2**16 - 1),
    "UINTEGER": (0, 2**32 - 1),
    "UBIGINT": (0, 2**64 - 1),
}
# Compared as arbitrary-precision integers, so no range is needed.
_WIDE_INTEGERS = frozenset({"HUGEINT", "UHUGEINT", "BIGNUM", "VARINT"})
# DuckDB's arbitrary-precision integer; DuckDB 1.4 renamed it BIGNUM and kept
# VARINT as an alias, so this name works from 1.1 on.
_ANY_INTEGER = "VARINT"
_DECIMAL_RE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")

# An exact number, or an infinity (only named lists can hold one).
_Number: TypeAlias = Fraction | float

_SYMBOLS = {Op.EQ: "=", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}


def _exact(value: object) -> _Number | None:
    """The exact value of a number, an infinity, or None for NaN and non-numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float | Decimal):
        if value != value:
            return None
        if math.isinf(value):
            return math.inf if value > 0 else -math.inf
        return Fraction(value)
    return None


def _double_sql(value: float) -> str:
    # repr round-trips exactly, and DuckDB parses text to the nearest double.
    return f"CAST({sql_string(repr(value))} AS DOUBLE)"


def _int_compare(
    expr: str, op: Op, number: _Number, lo: int | None, hi: int | None, write: Callable[[int], str]
) -> str:
    """``expr op number`` for an integer-valued ``expr`` within [lo, hi] (None: unbounded)."""
    if isinstance(number, float):  # an infinity: above or below every integer
        if op is Op.EQ:
            return "FALSE"
        return "TRUE" if (op in (Op.LT, Op.LE)) == (number > 0) else "FALSE"
    if op is Op.EQ:
        if number.denominator != 1:
            return "FALSE"
        bound = number.numerator
        if (lo is not None and bound < lo) or (hi is not None and bound > hi):
            return "FALSE"
        return f"({expr} = {write(bound)})"
    # For an integer x: x < n iff x < ceil(n); x <= n iff x <= floor(n); and so on.
    bound = math.ceil(number) if op in (Op.LT, Op.GE) else math.floor(number)
    always, never = {
        Op.LT: (hi is not None and hi < bound, lo is not None and lo >= bound),
        Op.LE: (hi is not None and hi <= bound, lo is not None and lo > bound),
        Op.GT: (lo is not None and lo > bound, hi is not None and hi <= bound),
        Op.GE: (lo is not None and lo >= bound, hi is not None and hi < bound),
    }[op]
    if always:
        return "TRUE"
    if never:
        return "FALSE"
    return f"({expr} {_SYMBOLS[op]} {write(bound)})"


def _double_compare(expr: str, op: Op, number: _Number) -> str:
    """``expr op number`` for a DOUBLE ``expr``, exactly; NaN is never equal or ordered."""
    exact: float | None = None
    if isinstance(number, float):
        exact = number
    else:
        try:
            nearest = float(number)
        except OverflowError:
            nearest = None
        if nearest is not None and Fraction(nearest) == number:
            exact = nearest
    guard = f"NOT isnan({expr})"
    if exact is not None:
        return f"({guard} AND {expr} {_SYMBOLS[op]} {_double_sql(exact)})"
    if op is Op.EQ:
        return "FALSE"
    # The number lies strictly between two neighbouring doubles (or beyond the
    # largest finite one): x < n iff x <= below, x > n iff x >= above.
    assert isinstance(number, Fraction)
    if nearest is None:
        below, above = (
            (math.nextafter(math.inf, 0), math.inf)
            if number > 0
            else (-math.inf, math.nextafter(-math.inf, 0))
        )
    elif Fraction(nearest) < number:
        below, above = nearest, math.nextafter(nearest, math.inf)
    else:
        below, above = math.nextafter(nearest, -math.inf), nearest
    if op in (Op.LT, Op.LE):
        return f"({guard} AND {expr} <= {_double_sql(below)})"
    return f"({guard} AND {expr} >= {_double_sql(above)})"


def _integer_literal(value: int) -> str:
    return f"CAST('{value}' AS {_ANY_INTEGER})"


# ---------------------------------------------------------------------------
# Columns

_Kind = Literal["text", "bool", "int", "decimal", "double", "other", "missing"]


@dataclass(frozen=True, kw_only=True)
class _Column:
    kind: _Kind
    sql: str = "NULL"
    folded: str = "NULL"
    lo: int | None = None
    hi: int | None = None
    sql_type: str = ""
    scale: int = 0

    def write_int(self, value: int) -> str:
        if self.kind == "decimal":
            digits = str(abs(value)).rjust(self.scale + 1, "0")
            text = digits[: len(digits) - self.scale] + (
                "." + digits[-self.scale :] if self.scale else ""
            )
            return f"CAST('{'-' if value < 0 else ''}{text}' AS {self.sql_type})"
        if self.sql_type == _ANY_INTEGER:
            return _integer_literal(value)
        return f"CAST({value} AS {self.sql_type})"


def _column(
    field: str,
    types: Mapping[str, str],
    column: Callable[[str], str],
    folded: Callable[[str], str] | None,
) -> _Column:
    if field not in types:
        return _Column(kind="missing")
    sql_type = types[field].strip().upper()
    sql = column(field)
    if sql_type == "VARCHAR" or sql_type.startswith("ENUM"):
        if sql_type != "VARCHAR":
            sql = f"CAST({sql} AS VARCHAR)"
        return _Column(kind="text", sql=sql, folded=folded(field) if folded else casefold_sql(sql))
    if sql_type == "BOOLEAN":
        return _Column(kind="bool", sql=sql)
    if sql_type in _INTEGER_RANGES:
        lo, hi = _INTEGER_RANGES[sql_type]
        return _Column(kind="int", sql=sql, lo=lo, hi=hi, sql_type=sql_type)
    if sql_type in _WIDE_INTEGERS:
        return _Column(kind="int", sql=f"CAST({sql} AS {_ANY_INTEGER})", sql_type=_ANY_INTEGER)
    if sql_type in ("DOUBLE", "FLOAT", "REAL"):
        return _Column(kind="double", sql=sql if sql_type == "DOUBLE" else f"CAST({sql} AS DOUBLE)")
    if match := _DECIMAL_RE.fullmatch(sql_type):
        precision, scale = int(match.group(1)), int(match.group(2))
        limit = 10**precision - 1  # in units of the last decimal place
        return _Column(kind="decimal", sql=sql, lo=-limit, hi=limit, sql_type=sql_type, scale=scale)
    return _Column(kind="other", sql=sql)


# ---------------------------------------------------------------------------
# Compiling


def condition_to_sql(
    condition: Condition,
    *,
    types: Mapping[str, str],
    lists: Mapping[str, Collection[object]],
    column: Callable[[str], str] = quote_ident,
    folded: Callable[[str], str] | None = None,
) -> str:
    """A DuckDB boolean expression, never NULL, equal to ``evaluate(condition, row).verdict``.

    ``types`` maps field names to DuckDB column types (see :func:`column_types`);
    fields not in it are treated as missing. ``column`` gives the SQL for a
    field's value; ``folded``, when given, gives SQL for an already case-folded
    copy of a text field (see :func:`casefold_sql`), so that a query can fold a
    column once rather than in every condition. Raises
    :class:`~tandem.core.conditions.UnknownNameError` for a list name not in
    ``lists``, and ``TypeError`` for list items SQL cannot compare (anything but
    text, numbers, booleans and None).
    """
    return _Compiler(types=types, lists=lists, column=column, folded=folded).compile(condition)


class _Compiler:
    def __init__(
        self,
        *,
        types: Mapping[str, str],
        lists: Mapping[str, Collection[object]],
        column: Callable[[str], str],
        folded: Callable[[str], str] | None,
    ) -> None:
        self.types = types
        self.lists = lists
        self.column = column
        self.folded = folded
        self.columns: dict[str, _Column] = {}

    def col(self, field: str) -> _Column:
        if field not in self.columns:
            self.columns[field] = _column(field, self.types, self.column, self.folded)
        return self.columns[field]

    def compile(self, condition: Condition) -> str:
        if isinstance(condition, And):
            return "(" + " AND ".join(self.compile(item) for item in condition.items) + ")"
        if isinstance(condition, Or):
            return "(" + " OR ".join(self.compile(item) for item in condition.items) + ")"
        if isinstance(condition, Not):
            return f"(NOT {self.compile(condition.item)})"
        return self.leaf(condition)

    def leaf(self, leaf: Leaf) -> str:
        col = self.col(leaf.field)
        if isinstance(leaf, IsEmpty):
            if col.kind == "missing":
                empty = "TRUE"
            elif col.kind == "text":
                empty = f"({col.sql} IS NULL OR {col.sql} = '')"
            else:
                empty = f"({col.sql} IS NULL)"
            return f"(NOT {empty})" if leaf.negated else empty
        if isinstance(leaf, InList):
            items = self.items(leaf)
        if col.kind == "missing":
            return "FALSE"
        # `met` is right for every non-NULL value; NULL is unmet whatever it says.
        if isinstance(leaf, Compare):
            met = self.compare(col, leaf.op, leaf.value)
        elif isinstance(leaf, InList):
            met = self.membership(col, items)
            met = f"(NOT {met})" if leaf.negated else met
        else:
            if col.kind != "text":
                return "FALSE"
            met = f"contains({col.folded}, {sql_string(leaf.value.casefold())})"
            met = f"(NOT {met})" if leaf.negated else met
        return f"COALESCE({col.sql} IS NOT NULL AND {met}, FALSE)"

    def compare(self, col: _Column, op: Op, value: object) -> str:
        if op is Op.NE:
            # Met for any value that is not equal, comparable or not.
            return f"(NOT {self.compare(col, Op.EQ, value)})"
        if isinstance(value, bool):
            if op is not Op.EQ or col.kind != "bool":
                return "FALSE"
            return f"({col.sql} = {'TRUE' if value else 'FALSE'})"
        if isinstance(value, str):
            if col.kind != "text":
                return "FALSE"
            return f"({col.folded} {_SYMBOLS[op]} {sql_string(value.casefold())})"
        number = _exact(value)
        assert number is not None, f"not a condition literal: {value!r}"
        return self.numeric(col, op, number)

    def numeric(self, col: _Column, op: Op, number: _Number) -> str:
        if col.kind == "int":
            return _int_compare(col.sql, op, number, col.lo, col.hi, col.write_int)
        if col.kind == "decimal":
            scaled = number if isinstance(number, float) else number * 10**col.scale
            return _int_compare(col.sql, op, scaled, col.lo, col.hi, col.write_int)
        if col.kind == "double":
            return _double_compare(col.sql, op, number)
        if col.kind == "text":
            text = self.numeric_text(col)
            return self.numeric_text_case(
                text,
                _double_compare(f"TRY_CAST({text} AS DOUBLE)", op, number),
                _int_compare(
                    f"TRY_CAST({text} AS {_ANY_INTEGER})", op, number, None, None, _integer_literal
                ),
            )
        return "FALSE"

    @staticmethod
    def numeric_text(col: _Column) -> str:
        """The number inside a text value, stripped; '' when it does not look like one."""
        return f"regexp_extract({col.sql}, {sql_string(_NUMERIC_TEXT)}, 1)"

    @staticmethod
    def numeric_text_case(text: str, as_double: str, as_integer: str) -> str:
        # Python reads text with ".", "e" or "E" as a float and the rest as an
        # exact integer of any size.
        return (
            f"(CASE WHEN {text} = '' THEN FALSE "
            f"WHEN regexp_matches({text}, '[.eE]') THEN COALESCE({as_double}, FALSE) "
            f"ELSE COALESCE({as_integer}, FALSE) END)"
        )

    def items(self, leaf: InList) -> Collection[object]:
        if leaf.values is not None:
            return leaf.values
        assert leaf.list_name is not None
        try:
            return self.lists[leaf.list_name]
        except KeyError:
            known = ", ".join(sorted(self.lists)) or "none"
            raise UnknownNameError(
                f"Unknown list '{leaf.list_name}'; known lists: {known}",
                name=leaf.list_name,
                position=leaf.start,
            ) from None

    def membership(self, col: _Column, items: Collection[object]) -> str:
        booleans: set[bool] = set()
        texts: set[str] = set()
        numbers: set[_Number] = set()
        for item in items:
            if isinstance(item, bool):
                booleans.add(item)
            elif isinstance(item, str):
                texts.add(item.casefold())
            elif isinstance(item, int | float | Decimal | Fraction):
                number = _exact(item)
                if number is not None:  # NaN equals nothing
                    numbers.add(number)
            elif item is not None:  # None is never equal to a value
                raise TypeError(f"cannot compare list item {item!r} in SQL")

        if col.kind == "bool":
            return _in(col.sql, ["TRUE" if b else "FALSE" for b in sorted(booleans)])
        if col.kind == "int":
            return _in(col.sql, [col.write_int(n) for n in _integers(numbers, col.lo, col.hi)])
        if col.kind == "decimal":
            scaled = {n if isinstance(n, float) else n * 10**col.scale for n in numbers}
            return _in(col.sql, [col.write_int(n) for n in _integers(scaled, col.lo, col.hi)])
        if col.kind == "double":
            return _in(col.sql, [_double_sql(d) for d in _doubles(numbers)])
        if col.kind == "text":
            parts = []
            if texts:
                parts.append(_in(col.folded, [sql_string(t) for t in sorted(texts)]))
            if numbers:
                text = self.numeric_text(col)
                parts.append(
                    self.numeric_text_case(
                        text,
                        _in(
                            f"TRY_CAST({text} AS DOUBLE)",
                            [_double_sql(d) for d in _doubles(numbers)],
                        ),
                        _in(
                            f"TRY_CAST({text} AS {_ANY_INTEGER})",
                            [_integer_literal(n) for n in _integers(numbers, None, None)],
                        ),
                    )
                )
            return "(" + " OR ".join(parts) + ")" if parts else "FALSE"
        return "FALSE"


def _in(expr: str, literals: list[str]) -> str:
    return f"({expr} IN ({', '.join(literals)}))" if literals else "FALSE"


def _integers(numbers: Iterable[_Number], lo: int | None, hi: int | None) -> list[int]:
    """The whole numbers among ``numbers`` within [lo, hi], sorted."""
    return sorted(
        n.numerator
        for n in numbers
        if isinstance(n, Fraction)
        and n.denominator == 1
        and (lo is None or n >= lo)
        and (hi is None or n <= hi)
    )


def _doubles(numbers: Iterable[_Number]) -> list[float]:
    """The numbers exactly representable as doubles (infinities included), sorted."""
    found: set[float] = set()
    for number in numbers:
        if isinstance(number, float):
            found.add(number)
            continue
        try:
            nearest = float(number)
        except OverflowError:
            continue
        if Fraction(nearest) == number:
            found.add(nearest)
    return sorted(found)
