from decimal import Decimal

import pytest

from tandem.core.conditions import (
    And,
    Check,
    Compare,
    ConditionError,
    ConditionSyntaxError,
    Contains,
    Evaluation,
    InList,
    IsEmpty,
    Leaf,
    Not,
    Op,
    Or,
    UnknownNameError,
    evaluate,
    fields_used,
    parse,
    to_text,
    validate,
)
from tandem.core.errors import CoreError

EXAMPLE = (
    'fit_score >= 60 and seniority in ("director", "vp", "c_level") '
    "and not email_domain in free_email_domains"
)


# ---------------------------------------------------------------------------
# Parsing: whole trees


def test_parses_the_documented_example() -> None:
    assert parse(EXAMPLE) == And(
        items=(
            Compare(field="fit_score", op=Op.GE, value=60),
            InList(field="seniority", values=("director", "vp", "c_level")),
            Not(item=InList(field="email_domain", list_name="free_email_domains")),
        )
    )


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("a == 1", Op.EQ),
        ("a = 1", Op.EQ),
        ("a != 1", Op.NE),
        ("a < 1", Op.LT),
        ("a <= 1", Op.LE),
        ("a > 1", Op.GT),
        ("a >= 1", Op.GE),
        ("a>=1", Op.GE),
    ],
)
def test_parses_each_comparison_operator(text: str, op: Op) -> None:
    assert parse(text) == Compare(field="a", op=op, value=1)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("x == 42", 42),
        ("x == -7", -7),
        ("x == 2.5", 2.5),
        ("x == -0.25", -0.25),
        ("x == 1e3", 1000.0),
        ("x == 1.5E-2", 0.015),
        ("x == 'single'", "single"),
        ('x == "double"', "double"),
        (r'x == "say \"hi\""', 'say "hi"'),
        (r"x == 'it\'s'", "it's"),
        (r"x == 'back\\slash'", "back\\slash"),
        ("x == ''", ""),
        ("x == true", True),
        ("x == FALSE", False),
    ],
)
def test_parses_literal_values(text: str, value: object) -> None:
    parsed = parse(text)

    assert isinstance(parsed, Compare)
    assert parsed.value == value
    assert type(parsed.value) is type(value)


def test_and_binds_tighter_than_or() -> None:
    assert parse("a == 1 or b == 2 and c == 3") == Or(
        items=(
            Compare(field="a", op=Op.EQ, value=1),
            And(
                items=(
                    Compare(field="b", op=Op.EQ, value=2),
                    Compare(field="c", op=Op.EQ, value=3),
                )
            ),
        )
    )


def test_brackets_group_explicitly() -> None:
    assert parse("(a == 1 or b == 2) and c == 3") == And(
        items=(
            Or(
                items=(
                    Compare(field="a", op=Op.EQ, value=1),
                    Compare(field="b", op=Op.EQ, value=2),
                )
            ),
            Compare(field="c", op=Op.EQ, value=3),
        )
    )


def test_chains_of_the_same_operator_are_flat() -> None:
    parsed = parse("a == 1 and b == 2 and c == 3")

    assert isinstance(parsed, And)
    assert len(parsed.items) == 3


def test_not_applies_to_the_next_condition_only() -> None:
    assert parse("not a == 1 and b == 2") == And(
        items=(
            Not(item=Compare(field="a", op=Op.EQ, value=1)),
            Compare(field="b", op=Op.EQ, value=2),
        )
    )


def test_not_can_be_repeated() -> None:
    assert parse("not not a is empty") == Not(item=Not(item=IsEmpty(field="a")))


def test_keywords_are_case_insensitive() -> None:
    assert parse("NOT a IN (1) And b Is Not Empty OR c CONTAINS 'x'") == Or(
        items=(
            And(
                items=(
                    Not(item=InList(field="a", values=(1,))),
                    IsEmpty(field="b", negated=True),
                )
            ),
            Contains(field="c", value="x"),
        )
    )


def test_not_in_and_not_contains_negate_the_leaf() -> None:
    assert parse("a not in (1, 'two', true) and b not contains 'spam'") == And(
        items=(
            InList(field="a", values=(1, "two", True), negated=True),
            Contains(field="b", value="spam", negated=True),
        )
    )


def test_lists_accept_square_brackets_and_a_trailing_comma() -> None:
    assert parse("a in ['x', 'y',]") == InList(field="a", values=("x", "y"))
    assert parse("a in (1,)") == InList(field="a", values=(1,))


def test_named_lists_and_dotted_fields() -> None:
    assert parse("account.industry in target_industries") == InList(
        field="account.industry", list_name="target_industries"
    )


def test_is_empty_and_is_not_empty() -> None:
    assert parse("phone is empty") == IsEmpty(field="phone")
    assert parse("phone is not empty") == IsEmpty(field="phone", negated=True)


def test_whitespace_including_newlines_is_ignored() -> None:
    assert parse("\n  a\t==\n1  ") == Compare(field="a", op=Op.EQ, value=1)


def test_strings_may_contain_keywords_brackets_and_newlines() -> None:
    assert parse("a == 'x and (y)\nz'") == Compare(field="a", op=Op.EQ, value="x and (y)\nz")


# ---------------------------------------------------------------------------
# Parsing: positions


def test_leaves_record_their_source_span() -> None:
    parsed = parse(EXAMPLE)

    assert isinstance(parsed, And)
    first, second, third = parsed.items
    assert isinstance(third, Not)
    spans = []
    for leaf in (first, second, third.item):
        assert isinstance(leaf, Leaf)
        spans.append(EXAMPLE[leaf.start : leaf.end])
    assert spans == [
        "fit_score >= 60",
        'seniority in ("director", "vp", "c_level")',
        "email_domain in free_email_domains",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "  phone is not empty ",
        "(title not contains 'intern')",
        "a not in [1, 2,] ",
        "x != -1.5",
    ],
)
def test_leaf_span_covers_exactly_the_leaf_text(text: str) -> None:
    parsed = parse(text)

    assert isinstance(parsed, Compare | InList | Contains | IsEmpty)
    assert text[parsed.start : parsed.end] == text.strip().strip("()").strip()


def test_positions_do_not_affect_equality() -> None:
    assert parse("a == 1") == parse("   a   ==   1")


# ---------------------------------------------------------------------------
# Parsing: errors


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "Condition is empty", 0),
        ("   ", "Condition is empty", 0),
        ("fit_score >=", "Expected a value after '>='", 12),
        ("fit_score >= )", "Expected a value after '>=', found ')'", 13),
        ("a == 1 b == 2", "Unexpected 'b' after a complete condition; use 'and' or 'or'", 7),
        ("a == 1 )", "Unmatched ')'", 7),
        ("(a == 1", "Unclosed '('", 0),
        ("a == 1 and ((b == 2)", "Unclosed '('", 11),
        ("(a == 1 b", "Expected ')', 'and' or 'or', found 'b'", 8),
        ("a == 'abc", "Unterminated text: missing closing quote", 5),
        ('a == "ab\\"', "Unterminated text: missing closing quote", 5),
        ("a == 'x\\n'", "Unsupported escape '\\n' in text", 7),
        ("a == b", "found 'b'; text values need quotes, e.g. \"b\"", 5),
        ("a", "Expected an operator after 'a'", 1),
        ("a 5", "Expected an operator after 'a' (==, !=, <, <=, >, >=, in, contains or", 2),
        ("== 1", "Expected a field name, found '=='", 0),
        ("and == 1", "Expected a field name, found the reserved word 'and'", 0),
        ("a == 1 and", "Expected a condition after 'and'", 10),
        ("a == 1 or )", "Expected a condition after 'or', found ')'", 10),
        ("not", "Expected a condition after 'not'", 3),
        ("()", "Expected a condition after '(', found ')'", 1),
        ("a in", 'Expected a list such as ("a", "b") or a list name after \'in\'', 4),
        ("a in 5", "or a list name after 'in', found '5'", 5),
        ("a in (", "Expected a value in the list", 6),
        ("a in ()", "Expected a value in the list, found ')'", 6),
        ("a in (1 2)", "Expected ',' or ')' in the list, found '2'", 8),
        ("a in (1]", "Expected ',' or ')' in the list, found ']'", 7),
        ("a in [1, 2", "Unclosed '['", 5),
        ("a in (1,,)", "Expected a value in the list, found ','", 8),
        ("a is", "Expected 'empty' after 'is'", 4),
        ("a is not full", "Expected 'empty' after 'is not', found 'full'", 9),
        ("a not == 1", "Expected 'in' or 'contains' after 'not', found '=='", 6),
        ("a contains 5", "Expected quoted text after 'contains', found '5'", 11),
        ("a == 1 $", "Unexpected character '$'", 7),
        ("a == - 1", "Unexpected character '-'", 5),
        ("a == 12abc", "Invalid number '12abc'", 5),
        ("a == 1.2.3", "Invalid number", 5),
        ("a == 1e999", "Number is too large", 5),
        ("a == " + "9" * 5000, "Number is too large", 5),
        ("a.  == 1", "Unexpected character '.'", 1),
    ],
)
def test_syntax_errors_report_message_and_position(text: str, message: str, position: int) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse(text)

    error = caught.value
    assert message in error.message
    assert error.position == position
    assert str(error) == f"{error.message} at position {position}"


def test_unclosed_paren_reports_position() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse("a == 1 and (b == 2 or c == 3")

    assert caught.value.position == 11
    assert str(caught.value) == "Unclosed '(' at position 11"


def test_missing_value_message_matches_the_documented_wording() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse("fit_score >=")

    assert str(caught.value) == "Expected a value after '>=' at position 12"


def test_unterminated_string_points_at_its_opening_quote() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse("a == 1 and b == 'open")

    assert caught.value.position == 16


@pytest.mark.parametrize(
    "text", ["(" * 51 + "a == 1" + ")" * 51, "not " * 51 + "a == 1", "(not " * 26 + "a == 1"]
)
def test_nesting_deeper_than_the_limit_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse(text)

    assert "nested too deeply" in str(caught.value)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert parse("(" * 50 + "a == 1" + ")" * 50) == Compare(field="a", op=Op.EQ, value=1)
    assert parse("(" * 25 + "not " * 25 + "a == 1" + ")" * 25) is not None


def test_very_long_flat_conditions_parse() -> None:
    parsed = parse(" and ".join(f"f{i} == {i}" for i in range(5000)))

    assert isinstance(parsed, And)
    assert len(parsed.items) == 5000


def test_syntax_errors_are_condition_and_core_errors() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse("a ==")

    assert isinstance(caught.value, ConditionError)
    assert isinstance(caught.value, CoreError)
    assert caught.value.code == "invalid_condition"


# ---------------------------------------------------------------------------
# Validation and field discovery


def test_validate_accepts_known_names() -> None:
    validate(
        parse(EXAMPLE),
        fields={"fit_score", "seniority", "email_domain"},
        lists={"free_email_domains"},
    )


def test_validate_reports_the_first_unknown_field() -> None:
    with pytest.raises(UnknownNameError) as caught:
        validate(
            parse("fit_scor >= 60 and titel contains 'x'"),
            fields=["seniority", "fit_score"],
            lists=[],
        )

    assert caught.value.name == "fit_scor"
    assert caught.value.position == 0
    assert str(caught.value) == (
        "Unknown field 'fit_scor' at position 0; known fields: fit_score, seniority"
    )


def test_validate_reports_an_unknown_list_at_its_name() -> None:
    text = "a == 1 and email_domain not in free_domains"
    with pytest.raises(UnknownNameError) as caught:
        validate(parse(text), fields={"a", "email_domain"}, lists={"free_email_domains"})

    assert caught.value.name == "free_domains"
    assert caught.value.position == text.index("free_domains")
    assert str(caught.value) == (
        f"Unknown list 'free_domains' at position {text.index('free_domains')}; "
        "known lists: free_email_domains"
    )


def test_validate_says_when_nothing_is_defined() -> None:
    with pytest.raises(UnknownNameError, match="no fields are defined"):
        validate(parse("a == 1"), fields=(), lists=())


def test_validate_shortens_long_lists_of_known_names() -> None:
    known = {f"field_{i:02}" for i in range(25)}
    with pytest.raises(UnknownNameError) as caught:
        validate(parse("nope == 1"), fields=known, lists=())

    assert str(caught.value).endswith("field_19, ... (5 more)")


def test_field_names_are_case_sensitive() -> None:
    with pytest.raises(UnknownNameError):
        validate(parse("Fit_Score > 1"), fields={"fit_score"}, lists=())


def test_fields_used_collects_every_field() -> None:
    assert fields_used(parse(EXAMPLE)) == {"fit_score", "seniority", "email_domain"}
    assert fields_used(parse("a is empty or not (a == 1 and b.c > 2)")) == {"a", "b.c"}


# ---------------------------------------------------------------------------
# Canonical text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("A = 1", "A == 1"),
        ("a IN ['x','y',]", 'a in ("x", "y")'),
        ("a NOT contains 'it\\'s'", 'a not contains "it\'s"'),
        ('a == "q\\"uote\\\\"', 'a == "q\\"uote\\\\"'),
        ("a == TRUE", "a == true"),
        ("a >= 1e3", "a >= 1000.0"),
        ("a == 1e22", "a == 1e+22"),
        ("a is  NOT empty", "a is not empty"),
        ("not (a == 1 or b == 2)", "not (a == 1 or b == 2)"),
        ("not (not a == 1)", "not not a == 1"),
        ("(a == 1 and b == 2) and c == 3", "(a == 1 and b == 2) and c == 3"),
        ("(a == 1 or b == 2) or c == 3", "(a == 1 or b == 2) or c == 3"),
        ("(a == 1 and b == 2) or c == 3", "a == 1 and b == 2 or c == 3"),
        ("(a == 1 or b == 2) and c == 3", "(a == 1 or b == 2) and c == 3"),
        ("((a == 1))", "a == 1"),
        ("x in vip_list", "x in vip_list"),
    ],
)
def test_to_text_renders_canonical_text(text: str, canonical: str) -> None:
    assert to_text(parse(text)) == canonical
    assert parse(canonical) == parse(text)


def test_to_text_works_on_hand_built_trees() -> None:
    condition = And(
        items=(
            Compare(field="score", op=Op.GT, value=10),
            Not(item=Or(items=(IsEmpty(field="a"), Contains(field="b", value="x")))),
        )
    )

    assert to_text(condition) == 'score > 10 and not (a is empty or b contains "x")'


def test_hand_built_trees_must_be_well_formed() -> None:
    with pytest.raises(ValueError):
        And(items=(IsEmpty(field="a"),))
    with pytest.raises(ValueError):
        InList(field="a")
    with pytest.raises(ValueError):
        InList(field="a", values=(1,), list_name="x")
    with pytest.raises(ValueError):
        InList(field="a", values=())


# ---------------------------------------------------------------------------
# Evaluation


def met(text: str, values: dict[str, object], **lists: tuple[object, ...]) -> bool:
    return evaluate(parse(text), values, lists=lists).verdict


def test_evaluates_the_documented_example_with_checks_in_source_order() -> None:
    result = evaluate(
        parse(EXAMPLE),
        {"fit_score": 72, "seniority": "VP", "email_domain": "acme.com"},
        lists={"free_email_domains": frozenset({"gmail.com", "outlook.com"})},
        source=EXAMPLE,
    )

    assert result == Evaluation(
        verdict=True,
        checks=(
            Check(text="fit_score >= 60", met=True, actual=72),
            Check(text='seniority in ("director", "vp", "c_level")', met=True, actual="VP"),
            Check(text="not email_domain in free_email_domains", met=True, actual="acme.com"),
        ),
    )


def test_every_leaf_is_checked_even_when_the_verdict_is_already_known() -> None:
    result = evaluate(parse("a == 1 and b == 2 or c == 3"), {"a": 0, "b": 2, "c": 3})

    assert result.verdict is True
    assert [check.met for check in result.checks] == [False, True, True]


def test_checks_use_canonical_text_without_a_source() -> None:
    result = evaluate(parse("A   =  'x'"), {"A": "X"})

    assert result.checks == (Check(text='A == "x"', met=True, actual="X"),)


@pytest.mark.parametrize(
    "text",
    [
        "a == 1",
        "a != 1",
        "a < 1",
        "a >= 1",
        "a == 'x'",
        "a != 'x'",
        "a in (1, 'x')",
        "a not in (1, 'x')",
        "a contains 'x'",
        "a not contains 'x'",
        "a is not empty",
        "a == false",
        "a != false",
    ],
)
@pytest.mark.parametrize("values", [{}, {"a": None}])
def test_missing_or_none_fields_leave_every_comparison_unmet(
    text: str, values: dict[str, object]
) -> None:
    result = evaluate(parse(text), values)

    assert result.verdict is False
    assert result.checks[0].actual is None


@pytest.mark.parametrize("values", [{}, {"a": None}, {"a": ""}])
def test_missing_none_and_empty_string_are_empty(values: dict[str, object]) -> None:
    assert met("a is empty", values)
    assert not met("a is not empty", values)


@pytest.mark.parametrize("value", [" ", 0, False, "0"])
def test_other_values_are_not_empty(value: object) -> None:
    assert not met("a is empty", {"a": value})
    assert met("a is not empty", {"a": value})


def test_not_turns_an_unmet_missing_field_into_met() -> None:
    assert met("not a == 1", {})


def test_strings_compare_case_insensitively() -> None:
    assert met("a == 'VP'", {"a": "vp"})
    assert not met("a != 'VP'", {"a": "Vp"})
    assert met("a in ('Director', 'VP')", {"a": "director"})
    assert met("a contains 'ACME'", {"a": "Big acme Corp"})
    assert met("a == 'STRASSE'", {"a": "straße"})
    assert met("a < 'b'", {"a": "A"})
    assert met("a < 'B'", {"a": "a"})


def test_numbers_compare_numerically_including_numeric_strings() -> None:
    assert met("a >= 60", {"a": 60})
    assert met("a > 59.5", {"a": 60})
    assert met("a == 60", {"a": 60.0})
    assert met("a == 60", {"a": "60"})
    assert met("a > 9", {"a": " 10 "})
    assert met("a < 1e3", {"a": "-2.5"})
    assert met("a == 0.5", {"a": Decimal("0.5")})
    assert not met("a > 100", {"a": Decimal("99.9")})


def test_incompatible_types_are_unmet_and_never_raise() -> None:
    assert not met("a > 5", {"a": "many"})
    assert not met("a < 'z'", {"a": 5})
    assert not met("a == 5", {"a": "five"})
    assert not met("a == '5'", {"a": 5})
    assert not met("a > 5", {"a": [1, 2]})
    assert not met("a > 5", {"a": Decimal("NaN")})
    assert not met("a > 5", {"a": Decimal("sNaN")})
    assert not met("a contains '5'", {"a": 1500})


def test_not_equal_is_met_for_any_present_unequal_value() -> None:
    assert met("a != 5", {"a": "five"})
    assert met("a != 'x'", {"a": 3})
    assert not met("a != 5", {"a": "5"})


def test_booleans_equal_only_booleans() -> None:
    assert met("a == true", {"a": True})
    assert met("a == false", {"a": False})
    assert not met("a == true", {"a": 1})
    assert not met("a == true", {"a": "true"})
    assert not met("a == 1", {"a": True})
    assert not met("a > false", {"a": True})
    assert met("a in (true)", {"a": True})
    assert not met("a in (1)", {"a": True})


def test_named_lists_are_looked_up_case_insensitively() -> None:
    domains = ("gmail.com", "Outlook.com")

    assert met("d in free", {"d": "GMAIL.com"}, free=domains)
    assert met("d in free", {"d": "outlook.COM"}, free=domains)
    assert met("d not in free", {"d": "acme.com"}, free=domains)
    assert not met("d not in free", {}, free=domains)


def test_named_lists_of_any_collection_type_work() -> None:
    condition = parse("n in nums")
    for collection in ([1, 2.5], {1, 2.5}, frozenset({1, 2.5}), (1, 2.5)):
        assert evaluate(condition, {"n": "2.5"}, lists={"nums": collection}).verdict
        assert not evaluate(condition, {"n": 3}, lists={"nums": collection}).verdict


def test_named_lists_may_hold_other_comparable_values() -> None:
    from datetime import date

    holidays = [date(2025, 12, 25), [1, 2]]  # the unhashable item must not break lookups

    assert met("day in holidays", {"day": date(2025, 12, 25)}, holidays=tuple(holidays))
    assert not met("day in holidays", {"day": date(2025, 12, 26)}, holidays=tuple(holidays))


def test_lists_that_are_equal_but_hold_different_types_are_not_confused() -> None:
    # (1,) == (True,) in Python, so a cache keyed by equality would mix them up.
    condition = parse("a in nums")

    assert evaluate(condition, {"a": 1}, lists={"nums": (1,)}).verdict
    assert not evaluate(condition, {"a": 1}, lists={"nums": (True,)}).verdict


def test_a_nan_value_is_in_no_list() -> None:
    nan = float("nan")

    assert not met("a in nums", {"a": nan}, nums=(nan, 1))
    assert met("a not in nums", {"a": nan}, nums=(nan, 1))


def test_unknown_list_at_evaluation_raises_unknown_name_error() -> None:
    with pytest.raises(UnknownNameError) as caught:
        evaluate(parse("a == 1 or d in free_domains"), {"d": "x"}, lists={"other": ()})

    assert caught.value.name == "free_domains"
    assert caught.value.position == 15
    assert "known lists: other" in str(caught.value)


def test_evaluation_does_not_mutate_its_inputs() -> None:
    values = {"a": "x"}
    lists = {"l": ["X"]}

    evaluate(parse("a in l"), values, lists=lists)

    assert values == {"a": "x"}
    assert lists == {"l": ["X"]}
