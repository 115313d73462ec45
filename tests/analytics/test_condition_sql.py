"""The SQL a condition compiles to agrees with ``evaluate``, row by row."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.analytics.condition_sql import (
    casefold_sql,
    column_types,
    condition_to_sql,
    quote_ident,
    sql_string,
)
from tandem.core.conditions import (
    And,
    Compare,
    Condition,
    Contains,
    InList,
    IsEmpty,
    Not,
    Op,
    Or,
    UnknownNameError,
    Value,
    evaluate,
    parse,
)
from tandem.core.contact_fields import FREE_EMAIL_DOMAINS

SCHEMA = pa.schema(
    [
        pa.field("s", pa.string()),
        pa.field("i", pa.int64()),
        pa.field("f", pa.float64()),
        pa.field("b", pa.bool_()),
        pa.field("d", pa.decimal128(12, 3)),
        pa.field("t", pa.int8()),
        pa.field("day", pa.date32()),
    ]
)
FIELDS = [*SCHEMA.names, "missing"]

# Values chosen where SQL and Python are most likely to part ways: case folding
# beyond ASCII, numeric text (padded, signed, exponent, overflowing, very long),
# integers and floats around 2**53 and the int64 limits, NaN, infinities, -0.0.
TEXTS = [
    "", "a", "A", "Straße", "STRASSE", "ss", "ẞ", "İstanbul", "i̇stanbul", "\uab70", "\u13a0",
    "ﬁle", "FILE", "\u03c2", "\u03a3", "\u03c3", "\u00b5", "\u03bc", "\u1f88", "\u0587",
    " 12 ", "12", "-0", "0.5", "1e3", "1E400", "1e-400",
    "00012", "12abc", "1.5e-3", "\u3000 7\u2028", "\x1c8", "9" * 45, "-" + "9" * 45,
    "9007199254740993", "gmail.com", "GMail.COM", "x'y", 'q"', "a\\b", "\x00z", "Ǆ", "ǆ",
]  # fmt: skip
INTS = [0, 1, -1, 2, 7, 12, 127, -128, 1000, 2**53, 2**53 + 1, 2**63 - 1, -(2**63)]
FLOATS = [
    0.0, -0.0, 0.1, 0.5, 1.5e-3, 7.0, 12.0, 1e3, 2.0**53, 2.0**53 + 2, 9.2e18, 1e300,
    math.inf, -math.inf, math.nan,
]  # fmt: skip
DECIMALS = [Decimal("0.000"), Decimal("0.500"), Decimal("0.100"), Decimal("12.000"),
            Decimal("-1.250"), Decimal("999999999.999"), Decimal("1000.000")]  # fmt: skip

LISTS = {
    "vip": (
        "gmail.com", "Straße", 12, 0.5, True, Decimal("1.5"), Decimal("0.1"), None,
        math.nan, math.inf, Fraction(1, 3), 2**53 + 1, "1E3",
    ),
    "free_email_domains": FREE_EMAIL_DOMAINS,
}  # fmt: skip


def pooled(pool: list[object], fallback: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), st.sampled_from(pool), fallback)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
COLUMN_VALUES = {
    "s": pooled(TEXTS, TEXT),
    "i": pooled(INTS, st.integers(-(2**63), 2**63 - 1)),
    "f": pooled(FLOATS, st.floats()),
    "b": st.one_of(st.none(), st.booleans()),
    "d": pooled(DECIMALS, st.decimals(-(10**8), 10**8, places=3, allow_nan=False)),
    "t": pooled([0, 1, -1, 12, 127, -128], st.integers(-128, 127)),
    "day": st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1))),
}
ROWS = st.lists(st.fixed_dictionaries(COLUMN_VALUES), min_size=1, max_size=6)

LITERALS: st.SearchStrategy[Value] = st.one_of(
    st.sampled_from([t for t in TEXTS if "\x00" not in t]),
    TEXT,
    st.sampled_from([*INTS, 10**30, -(10**40), 2**64]),
    st.integers(-(10**20), 10**20),
    st.sampled_from([f for f in FLOATS if math.isfinite(f)] + [0.25, -1.25, 127.5, 1e-320]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
FIELD = st.sampled_from(FIELDS)

LEAVES: st.SearchStrategy[Condition] = st.one_of(
    st.builds(Compare, field=FIELD, op=st.sampled_from(list(Op)), value=LITERALS),
    st.builds(
        InList,
        field=FIELD,
        values=st.lists(LITERALS, min_size=1, max_size=4).map(tuple),
        negated=st.booleans(),
    ),
    st.builds(InList, field=FIELD, list_name=st.sampled_from(sorted(LISTS)), negated=st.booleans()),
    st.builds(
        Contains, field=FIELD, value=st.one_of(st.sampled_from(TEXTS), TEXT), negated=st.booleans()
    ),
    st.builds(IsEmpty, field=FIELD, negated=st.booleans()),
)
CONDITIONS: st.SearchStrategy[Condition] = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(Not, item=inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda items: And(items=tuple(items))),
        st.lists(inner, min_size=2, max_size=3).map(lambda items: Or(items=tuple(items))),
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def sql_verdicts(
    con: duckdb.DuckDBPyConnection, condition: Condition, table: pa.Table
) -> list[object]:
    indexed = table.append_column("row_number", pa.array(range(table.num_rows), pa.int64()))
    con.register("rows_under_test", indexed)
    try:
        types = column_types(con, "rows_under_test")
        sql = condition_to_sql(condition, types=types, lists=LISTS)
        result = con.execute(f"SELECT {sql} FROM rows_under_test ORDER BY row_number").fetchall()
    finally:
        con.unregister("rows_under_test")
    return [row[0] for row in result]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=CONDITIONS, rows=ROWS)
def test_sql_agrees_with_evaluate_row_by_row(
    con: duckdb.DuckDBPyConnection, condition: Condition, rows: list[dict[str, object]]
) -> None:
    table = pa.Table.from_pylist(rows, schema=SCHEMA)

    got = sql_verdicts(con, condition, table)

    # Values as they come back out of Arrow, which is what a bulk caller has.
    expected = [evaluate(condition, row, lists=LISTS).verdict for row in table.to_pylist()]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Exactness between numeric types, where a naive cast would say otherwise.
        ("i == 9007199254740992.0", [True, False, False]),
        ("i > 9007199254740992.0", [False, True, False]),
        ("f == 9007199254740993", [False, False, False]),
        ("f < 9007199254740993", [True, False, True]),
        ("f != 0.1", [True, True, True]),
        ("d == 0.1", [False, False, False]),
        ("d >= 0.1", [False, False, True]),  # 0.100 is below the double nearest 0.1
        ("s == 9007199254740993", [False, True, False]),
        ("s < 1e300", [True, True, False]),
        ('s == "STRASSE"', [False, False, True]),
        ('s contains "İ"', [False, False, False]),
    ],
)
def test_hand_picked_rows(con: duckdb.DuckDBPyConnection, text: str, expected: list[bool]) -> None:
    table = pa.Table.from_pylist(
        [
            {"i": 2**53, "f": 2.0**53, "d": Decimal("0.100"), "s": "12"},
            {"i": 2**53 + 1, "f": math.nan, "d": Decimal("0.000"), "s": " 9007199254740993 "},
            {"i": 0, "f": 0.0, "d": Decimal("0.200"), "s": "straße"},
        ],
        schema=SCHEMA,
    )
    condition = parse(text)

    assert sql_verdicts(con, condition, table) == expected
    assert [evaluate(condition, row).verdict for row in table.to_pylist()] == expected


def test_casefold_sql_matches_python_for_every_character_lower_gets_wrong(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Every code point whose case mapping is not the identity in Python, plus
    # some that are, so the fast path and every correction table are covered.
    chars = [
        c
        for c in map(chr, range(0x110000))
        if not 0xD800 <= ord(c) < 0xE000
        and (c.casefold() != c or c.lower() != c or c.upper() != c or ord(c) % 997 == 0)
    ]
    words = [*chars, "Straße İstanbul \u03a3\u0391\u03a3 \uab70\u13f8 ﬃ", "plain TEXT", ""]
    con.register("words", pa.table({"w": pa.array(words, pa.string())}))
    try:
        folded = con.execute(f"SELECT {casefold_sql('w')} FROM words").fetchall()
    finally:
        con.unregister("words")

    mismatches = [(w, f[0]) for w, f in zip(words, folded, strict=True) if f[0] != w.casefold()]
    assert mismatches == []
    assert con.execute(f"SELECT {casefold_sql('NULL::VARCHAR')}").fetchall() == [(None,)]


def test_text_is_quoted_so_it_cannot_change_the_query(con: duckdb.DuckDBPyConnection) -> None:
    table = pa.Table.from_pylist([{"s": "x"}, {"s": "it's"}], schema=SCHEMA)
    condition = parse('s == "x\' OR TRUE OR \'a" or s == "IT\'S"')

    assert sql_verdicts(con, condition, table) == [False, True]


def test_sql_string_handles_quotes_backslashes_and_nul(con: duckdb.DuckDBPyConnection) -> None:
    text = "a'b\\c\x00d\"e"

    assert con.execute(f"SELECT {sql_string(text)}").fetchall() == [(text,)]


def test_any_column_name_can_be_used(con: duckdb.DuckDBPyConnection) -> None:
    table = pa.table({'account."odd" name': ["Software"]})
    con.register("odd_names", table)
    try:
        sql = condition_to_sql(
            InList(field='account."odd" name', values=("software",)),
            types=column_types(con, "odd_names"),
            lists={},
        )
        assert con.execute(f"SELECT {sql} FROM odd_names").fetchall() == [(True,)]
    finally:
        con.unregister("odd_names")
    assert quote_ident('a"b') == '"a""b"'


def test_unknown_list_name_is_reported() -> None:
    with pytest.raises(UnknownNameError) as caught:
        condition_to_sql(parse("s in vip_domains"), types={"s": "VARCHAR"}, lists=LISTS)

    assert caught.value.name == "vip_domains"
    assert "Unknown list 'vip_domains'" in str(caught.value)


def test_list_items_sql_cannot_compare_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot compare list item"):
        condition_to_sql(
            parse("s in odd"), types={"s": "VARCHAR"}, lists={"odd": (dt.date(2026, 1, 1),)}
        )


def test_folded_columns_can_be_supplied_by_the_caller(con: duckdb.DuckDBPyConnection) -> None:
    sql = condition_to_sql(
        parse('s == "ss"'),
        types={"s": "VARCHAR"},
        lists={},
        column=lambda name: f"src.{quote_ident(name)}",
        folded=lambda name: f"src.{quote_ident('folded_' + name)}",
    )

    assert 'src."folded_s"' in sql
    assert con.execute(f"SELECT {sql} FROM (SELECT 'ß' AS s, 'ss' AS folded_s) src").fetchall() == [
        (True,)
    ]
