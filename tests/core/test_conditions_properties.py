"""Property tests for the condition language.

The reference evaluator below is written from the documented semantics, not
from the implementation, so the two can catch each other's mistakes.
"""

import re
from collections.abc import Collection, Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.conditions import (
    And,
    Compare,
    Condition,
    ConditionSyntaxError,
    Contains,
    InList,
    IsEmpty,
    Not,
    Op,
    Or,
    Value,
    evaluate,
    parse,
    to_text,
)

MODEST = settings(max_examples=200, deadline=None)

FIELDS = ["a", "A", "account.size"]
LIST_NAMES = ["vip", "free_domains"]

# ---------------------------------------------------------------------------
# Strategies

GRAMMAR_TOKENS = [
    "a",
    "b.c",
    "x_1",
    "and",
    "OR",
    "not",
    "in",
    "contains",
    "is",
    "empty",
    "true",
    "False",
    "(",
    ")",
    "[",
    "]",
    ",",
    "==",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "!",
    "-",
    ".",
    "0",
    "-2.5",
    "1e5",
    "1e999",
    "12abc",
    "9" * 4400,
    '"x"',
    "'y z'",
    '"',
    "'",
    "\\",
    '"\\q"',
    "#",
    "é",
    "\n",
    "\x00",
]

token_soup = st.one_of(
    st.lists(st.sampled_from(GRAMMAR_TOKENS), max_size=25).map(" ".join),
    st.lists(st.sampled_from(GRAMMAR_TOKENS), max_size=25).map("".join),
)

# Text that stresses quoting, case folding and keyword look-alikes.
short_text = st.text(
    alphabet=st.sampled_from(["a", "B", "ß", "S", "é", "É", " ", '"', "'", "\\", "1", ".", "("]),
    max_size=6,
)
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
)
# Random values rarely collide, so both literals and field values are often
# drawn from one small pool where equal-but-differently-typed or differently
# cased values meet: 1 vs 1.0 vs "1" vs True, "SS" vs "ß", "É" vs "é".
SHARED: list[Value] = [0, 1, -1, 0.5, 1.0, 2, True, False, "", "a", "A", "ss", "SS", "ß"]
SHARED += ["é", "É", "1", " 1 ", "1.0", "-0.5", "2e0", "Bass", "aé", "x y", "true"]
literals: st.SearchStrategy[Value] = st.one_of(
    st.sampled_from(SHARED),
    numbers,
    short_text,
    st.booleans(),
)
substrings = st.one_of(st.sampled_from(["", "a", "A", "s", "SS", "ß", "É", "ass"]), short_text)

fields = st.sampled_from(FIELDS)


@st.composite
def leaves(draw: st.DrawFn) -> Condition:
    kind = draw(st.sampled_from(["compare", "in_values", "in_name", "contains", "empty"]))
    field = draw(fields)
    if kind == "compare":
        return Compare(field=field, op=draw(st.sampled_from(list(Op))), value=draw(literals))
    if kind == "in_values":
        values = draw(st.lists(literals, min_size=1, max_size=4))
        return InList(field=field, values=tuple(values), negated=draw(st.booleans()))
    if kind == "in_name":
        name = draw(st.sampled_from(LIST_NAMES))
        return InList(field=field, list_name=name, negated=draw(st.booleans()))
    if kind == "contains":
        return Contains(field=field, value=draw(substrings), negated=draw(st.booleans()))
    return IsEmpty(field=field, negated=draw(st.booleans()))


def conditions(depth: int = 3) -> st.SearchStrategy[Condition]:
    # Explicit depth keeps generated trees well inside the parser's nesting limit.
    if depth == 0:
        return leaves()
    inner = conditions(depth - 1)
    return st.one_of(
        leaves(),
        st.lists(inner, min_size=2, max_size=3).map(lambda items: And(items=tuple(items))),
        st.lists(inner, min_size=2, max_size=3).map(lambda items: Or(items=tuple(items))),
        inner.map(lambda item: Not(item=item)),
    )


numeric_strings = st.one_of(
    st.integers(min_value=-1000, max_value=1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-99, max_value=99).map(lambda n: f" {n} "),
)
shared = st.sampled_from(SHARED)
field_values = st.one_of(
    shared,
    shared,
    st.none(),
    numbers,
    short_text,
    numeric_strings,
)
value_maps = st.dictionaries(fields, field_values)
named_lists = st.fixed_dictionaries(
    {name: st.lists(st.one_of(shared, literals), max_size=4) for name in LIST_NAMES}
)


# ---------------------------------------------------------------------------
# Reference evaluator

NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def ref_number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        text = value.strip()
        return float(text) if any(c in text for c in ".eE") else int(text)
    return None


def ref_equal(actual: object, literal: object) -> bool:
    if isinstance(literal, bool):
        return isinstance(actual, bool) and actual == literal
    if isinstance(literal, str):
        return isinstance(actual, str) and actual.casefold() == literal.casefold()
    number = ref_number(actual)
    return number is not None and number == literal


def ref_order(actual: object, op: Op, literal: object) -> bool:
    if isinstance(literal, bool):
        return False
    if isinstance(literal, str):
        if not isinstance(actual, str):
            return False
        left: object = actual.casefold()
        right: object = literal.casefold()
    else:
        left = ref_number(actual)
        right = literal
        if left is None:
            return False
    assert isinstance(left, int | float | str) and isinstance(right, int | float | str)
    if op is Op.LT:
        return left < right  # type: ignore[operator]
    if op is Op.LE:
        return left <= right  # type: ignore[operator]
    if op is Op.GT:
        return left > right  # type: ignore[operator]
    return left >= right  # type: ignore[operator]


def ref_leaf(
    leaf: Condition, values: Mapping[str, object], lists: Mapping[str, Collection[object]]
) -> bool:
    assert isinstance(leaf, Compare | InList | Contains | IsEmpty)
    actual = values.get(leaf.field)
    if isinstance(leaf, IsEmpty):
        empty = actual is None or actual == ""
        return not empty if leaf.negated else empty
    if actual is None:
        return False
    if isinstance(leaf, Compare):
        if leaf.op is Op.EQ:
            return ref_equal(actual, leaf.value)
        if leaf.op is Op.NE:
            return not ref_equal(actual, leaf.value)
        return ref_order(actual, leaf.op, leaf.value)
    if isinstance(leaf, InList):
        items = leaf.values if leaf.values is not None else lists[str(leaf.list_name)]
        found = any(ref_equal(actual, item) for item in items)
        return not found if leaf.negated else found
    if not isinstance(actual, str):
        return False
    found = leaf.value.casefold() in actual.casefold()
    return not found if leaf.negated else found


def ref_evaluate(
    condition: Condition,
    values: Mapping[str, object],
    lists: Mapping[str, Collection[object]],
    leaf_results: list[bool],
) -> bool:
    if isinstance(condition, And):
        results = [ref_evaluate(item, values, lists, leaf_results) for item in condition.items]
        return all(results)
    if isinstance(condition, Or):
        results = [ref_evaluate(item, values, lists, leaf_results) for item in condition.items]
        return any(results)
    if isinstance(condition, Not):
        if isinstance(condition.item, And | Or | Not):
            return not ref_evaluate(condition.item, values, lists, leaf_results)
        # A negated leaf is reported as one check, met when the leaf is not.
        negated = not ref_leaf(condition.item, values, lists)
        leaf_results.append(negated)
        return negated
    result = ref_leaf(condition, values, lists)
    leaf_results.append(result)
    return result


# ---------------------------------------------------------------------------
# Properties


@MODEST
@given(st.text())
def test_parse_raises_only_syntax_errors_on_arbitrary_text(text: str) -> None:
    try:
        parse(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(text)


@MODEST
@given(token_soup)
def test_parse_raises_only_syntax_errors_on_grammar_like_text(text: str) -> None:
    try:
        parse(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(text)


@MODEST
@given(conditions(), value_maps, named_lists)
def test_evaluation_matches_the_reference_evaluator(
    condition: Condition, values: dict[str, object], lists: dict[str, list[object]]
) -> None:
    text = to_text(condition)
    result = evaluate(parse(text), values, lists=lists, source=text)

    leaf_results: list[bool] = []
    assert result.verdict == ref_evaluate(condition, values, lists, leaf_results)
    assert [check.met for check in result.checks] == leaf_results


def near_misses(literal: object) -> list[object]:
    """Values that equal ``literal`` only under some rule, or almost equal it."""
    if isinstance(literal, str):
        return [literal.upper(), literal.swapcase(), literal.casefold(), f"x{literal}", literal[1:]]
    if isinstance(literal, bool):
        return [int(literal), float(literal), str(literal).lower(), not literal]
    assert isinstance(literal, int | float)
    return [
        str(literal),
        f" {literal} ",
        repr(float(literal)),
        float(literal),
        literal + 1,
        literal - 1,
        bool(literal),
        str(literal).upper(),
    ]


@st.composite
def leaf_cases(draw: st.DrawFn) -> tuple[Condition, object, dict[str, list[Value]]]:
    lists: dict[str, list[Value]] = draw(named_lists)
    leaf = draw(leaves())
    literals_in_leaf: list[object] = []
    if isinstance(leaf, Compare | Contains):
        literals_in_leaf = [leaf.value]
    elif isinstance(leaf, InList):
        literals_in_leaf = list(leaf.values or lists[str(leaf.list_name)])
    value: object
    near_the_literal: bool = draw(st.booleans())
    if literals_in_leaf and near_the_literal:
        literal: object = draw(st.sampled_from(literals_in_leaf))
        value = draw(st.sampled_from([literal, *near_misses(literal)]))
    else:
        value = draw(field_values)
    return leaf, value, lists


@MODEST
@given(leaf_cases())
def test_each_kind_of_leaf_matches_the_reference_evaluator(
    case: tuple[Condition, object, dict[str, list[Value]]],
) -> None:
    # Whole trees with random values rarely hit the corners (a bool against 1,
    # "ß" against "SS", " 5 " against 5); values derived from the leaf's own
    # literal hit them on purpose.
    leaf, value, lists = case
    assert isinstance(leaf, Compare | InList | Contains | IsEmpty)
    values = {leaf.field: value}
    result = evaluate(parse(to_text(leaf)), values, lists=lists)

    assert result.verdict == ref_leaf(leaf, values, lists)


@MODEST
@given(conditions())
def test_to_text_and_parse_round_trip(condition: Condition) -> None:
    text = to_text(condition)
    reparsed = parse(text)

    assert reparsed == condition
    assert to_text(reparsed) == text


@MODEST
@given(token_soup)
def test_canonical_text_of_any_parsed_condition_parses_to_the_same_tree(text: str) -> None:
    try:
        condition = parse(text)
    except ConditionSyntaxError:
        return
    assert parse(to_text(condition)) == condition
