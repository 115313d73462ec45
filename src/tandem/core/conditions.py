"""A small condition language for scoring, routing and automation rules.

Conditions are written by people, stored as text and shown back to them, so
the language is deliberately small and readable::

    fit_score >= 60 and seniority in ("director", "vp", "c_level")
        and not email_domain in free_email_domains

Text is tokenised and parsed by hand into a tree of frozen dataclasses; it is
never passed to ``eval``. Parsing either returns a tree or raises
:class:`ConditionSyntaxError` with the character position of the problem.

Grammar (keywords are case-insensitive and reserved; field and list names are
case-sensitive and may be dotted, such as ``account.industry``)::

    expr         := or_expr
    or_expr      := and_expr ("or" and_expr)*
    and_expr     := not_expr ("and" not_expr)*
    not_expr     := "not" not_expr | primary
    primary      := "(" expr ")" | comparison
    comparison   := field OP value                  OP: == (or =) != < <= > >=
                  | field ["not"] "in" (list_literal | list_name)
                  | field ["not"] "contains" string
                  | field "is" ["not"] "empty"
    value        := number | string | true | false
    list_literal := "(" value ("," value)* [","] ")"   (square brackets also work)

Strings use single or double quotes; inside them ``\\\\``, ``\\"`` and ``\\'``
are the only escapes. Numbers are decimal, optionally negative, with an
optional fraction and exponent (``-2.5``, ``1e6``).

Evaluation semantics (:func:`evaluate`):

* Field values are looked up by their full name in a flat mapping; a dotted
  name is just a key such as ``"account.industry"``.
* A missing field or a ``None`` value makes every comparison, ``in``,
  ``not in``, ``contains`` and ``not contains`` unmet; ``is empty`` is met and
  ``is not empty`` is unmet. Only ``not`` in front of a condition turns an
  unmet result into a met one.
* Empty means ``None`` or the empty string; nothing else.
* The literal decides how a comparison is made:

  - a number literal compares numerically with int, float, Decimal and
    Fraction values, and with strings that look like a number (``"42"``,
    ``" -1.5 "``); anything else is not equal to it and not ordered with it;
  - a string literal compares only with strings, case-insensitively
    (``casefold``), for equality, ordering and ``contains`` alike;
  - ``true`` and ``false`` are equal only to Python booleans, which are never
    treated as numbers, and are never ordered.

* ``<``, ``<=``, ``>`` and ``>=`` between values that cannot be ordered (a
  string against a number, say) are unmet; evaluation never raises for odd
  values.
* ``!=`` is met when the field has a value that is not equal to the literal,
  even if the two cannot be compared otherwise; ``not in`` and
  ``not contains`` likewise need a value to be met.
* ``contains`` is met only for string values.
* Every leaf is evaluated, with no short-circuiting, so the result lists each
  check as met or unmet for display.
* A list name that is not in ``lists`` raises :class:`UnknownNameError`.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, TypeAlias

from tandem.core.errors import CoreError

__all__ = [
    "And",
    "Check",
    "Compare",
    "Condition",
    "ConditionError",
    "ConditionSyntaxError",
    "Contains",
    "Evaluation",
    "InList",
    "IsEmpty",
    "Leaf",
    "Not",
    "Op",
    "Or",
    "UnknownNameError",
    "Value",
    "evaluate",
    "fields_used",
    "parse",
    "to_text",
    "validate",
]

# Deep enough for any condition a person writes, shallow enough that the
# recursive parser and evaluator stay far from Python's recursion limit.
MAX_DEPTH = 50

# ---------------------------------------------------------------------------
# Errors


class ConditionError(CoreError):
    code = "invalid_condition"


class ConditionSyntaxError(ConditionError):
    """The text is not a valid condition; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, *, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position


class UnknownNameError(ConditionError):
    """A condition refers to a field or list that does not exist."""

    def __init__(self, message: str, *, name: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.position = position


# ---------------------------------------------------------------------------
# Syntax tree

Value: TypeAlias = str | int | float | bool


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"

    @property
    def symbol(self) -> str:
        return _OP_SYMBOLS[self]


_OP_SYMBOLS: dict[Op, str] = {
    Op.EQ: "==",
    Op.NE: "!=",
    Op.LT: "<",
    Op.LE: "<=",
    Op.GT: ">",
    Op.GE: ">=",
}


# Leaves carry `start` and `end`, the character offsets of their text in the
# source, so `source[start:end]` can be shown next to a check (both are 0 in
# hand-built trees). They are excluded from equality so that a tree parsed
# from canonical text equals one parsed from the original or built by hand.
def _position() -> Any:
    return dataclass_field(default=0, compare=False)


@dataclass(frozen=True, kw_only=True)
class And:
    """Met when every item is met."""

    items: tuple[Condition, ...]

    def __post_init__(self) -> None:
        # Fewer than two items has no text of its own, so it could not
        # survive a round trip through to_text and parse.
        if len(self.items) < 2:
            raise ValueError("And needs at least two items")


@dataclass(frozen=True, kw_only=True)
class Or:
    """Met when any item is met."""

    items: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if len(self.items) < 2:
            raise ValueError("Or needs at least two items")


@dataclass(frozen=True, kw_only=True)
class Not:
    item: Condition


@dataclass(frozen=True, kw_only=True)
class Compare:
    """``field == value`` and the other comparison operators."""

    field: str
    op: Op
    value: Value
    start: int = _position()
    end: int = _position()


@dataclass(frozen=True, kw_only=True)
class InList:
    """``field in (...)`` with literal ``values``, or ``field in list_name``."""

    field: str
    values: tuple[Value, ...] | None = None
    list_name: str | None = None
    negated: bool = False
    start: int = _position()
    end: int = _position()

    def __post_init__(self) -> None:
        if (self.values is None) == (self.list_name is None):
            raise ValueError("InList needs exactly one of values and list_name")
        if self.values is not None and not self.values:
            raise ValueError("InList needs at least one value")


@dataclass(frozen=True, kw_only=True)
class Contains:
    """``field contains "text"``: a case-insensitive substring test."""

    field: str
    value: str
    negated: bool = False
    start: int = _position()
    end: int = _position()


@dataclass(frozen=True, kw_only=True)
class IsEmpty:
    """``field is empty`` (or ``is not empty`` when negated)."""

    field: str
    negated: bool = False
    start: int = _position()
    end: int = _position()


Leaf: TypeAlias = Compare | InList | Contains | IsEmpty
Condition: TypeAlias = And | Or | Not | Leaf


# ---------------------------------------------------------------------------
# Tokeniser


class _Kind(Enum):
    NAME = "name"
    NUMBER = "number"
    STRING = "string"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, kw_only=True)
class _Token:
    kind: _Kind
    text: str  # the exact source text, for error messages
    value: Value | None
    start: int
    end: int


_KEYWORDS = frozenset({"and", "or", "not", "in", "contains", "is", "empty", "true", "false"})

# ASCII only: `[0-9]` rather than `\d`, which would also accept other scripts'
# digits that int() understands but people would not expect.
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
# Characters that would make a number run straight into something else, as in
# "12abc" or "1.2.3"; reported as one bad number instead of two odd tokens.
_NUMBER_TAIL_RE = re.compile(r"[A-Za-z0-9_.]")
# Longest first so "<=" is not read as "<" followed by "=".
_OPERATORS: tuple[tuple[str, Op], ...] = (
    ("==", Op.EQ),
    ("!=", Op.NE),
    ("<=", Op.LE),
    (">=", Op.GE),
    ("<", Op.LT),
    (">", Op.GT),
    ("=", Op.EQ),
)
_OP_BY_SYMBOL: dict[str, Op] = dict(_OPERATORS)
_PUNCTUATION: dict[str, _Kind] = {
    "(": _Kind.LPAREN,
    ")": _Kind.RPAREN,
    "[": _Kind.LBRACKET,
    "]": _Kind.RBRACKET,
    ",": _Kind.COMMA,
}
_ESCAPABLE = frozenset("\\\"'")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            tokens.append(_Token(kind=_Kind.END, text="", value=None, start=length, end=length))
            return tokens
        char = text[pos]
        if char in "\"'":
            token = _read_string(text, pos)
        elif char in _PUNCTUATION:
            token = _Token(kind=_PUNCTUATION[char], text=char, value=None, start=pos, end=pos + 1)
        elif (match := _NUMBER_RE.match(text, pos)) is not None:
            token = _read_number(text, match)
        elif (match := _NAME_RE.match(text, pos)) is not None:
            token = _Token(
                kind=_Kind.NAME, text=match.group(), value=None, start=pos, end=match.end()
            )
        else:
            for symbol, _op in _OPERATORS:
                if text.startswith(symbol, pos):
                    token = _Token(
                        kind=_Kind.OP, text=symbol, value=None, start=pos, end=pos + len(symbol)
                    )
                    break
            else:
                raise ConditionSyntaxError(f"Unexpected character {char!r}", position=pos)
        tokens.append(token)
        pos = token.end


def _read_string(text: str, start: int) -> _Token:
    quote = text[start]
    parts: list[str] = []
    pos = start + 1
    length = len(text)
    while pos < length:
        char = text[pos]
        if char == quote:
            return _Token(
                kind=_Kind.STRING,
                text=text[start : pos + 1],
                value="".join(parts),
                start=start,
                end=pos + 1,
            )
        if char == "\\":
            if pos + 1 >= length:
                break
            escaped = text[pos + 1]
            if escaped not in _ESCAPABLE:
                raise ConditionSyntaxError(
                    f"Unsupported escape '\\{escaped}' in text; only \\\\, \\\" and \\' "
                    "are allowed",
                    position=pos,
                )
            parts.append(escaped)
            pos += 2
            continue
        parts.append(char)
        pos += 1
    # Point at the opening quote: that is where the reader has to look.
    raise ConditionSyntaxError("Unterminated text: missing closing quote", position=start)


def _read_number(text: str, match: re.Match[str]) -> _Token:
    start, end = match.span()
    literal = match.group()
    if end < len(text) and _NUMBER_TAIL_RE.match(text, end):
        tail = _NAME_RE.match(text, end)
        shown = text[start : tail.end() if tail else end + 1]
        raise ConditionSyntaxError(f"Invalid number {_snippet(shown)}", position=start)
    number: int | float
    if any(c in literal for c in ".eE"):
        number = float(literal)
        if not math.isfinite(number):
            raise ConditionSyntaxError("Number is too large", position=start)
    else:
        try:
            number = int(literal)
        except ValueError:  # Python refuses to convert extremely long digit strings
            raise ConditionSyntaxError("Number is too large", position=start) from None
    return _Token(kind=_Kind.NUMBER, text=literal, value=number, start=start, end=end)


def _snippet(source: str) -> str:
    if len(source) > 30:
        source = source[:27] + "..."
    return f"'{source}'"


# ---------------------------------------------------------------------------
# Parser


def parse(text: str) -> Condition:
    """Parse condition text into a tree.

    Raises :class:`ConditionSyntaxError`, and nothing else, for any text that
    is not a valid condition.
    """
    return _Parser(text).parse_all()


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    # -- token helpers

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        # The END token stays put, so lookahead past the end is always safe.
        if token.kind is not _Kind.END:
            self.index += 1
        return token

    def at_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind is _Kind.NAME and token.text.lower() == word

    def fail(self, expected: str, token: _Token) -> ConditionSyntaxError:
        if token.kind is _Kind.END:
            return ConditionSyntaxError(f"Expected {expected}", position=token.start)
        return ConditionSyntaxError(
            f"Expected {expected}, found {_snippet(token.text)}", position=token.start
        )

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError(
                f"Condition is nested too deeply (more than {MAX_DEPTH} levels of brackets "
                "and 'not')",
                position=token.start,
            )

    def leave(self) -> None:
        self.depth -= 1

    def expect_operand(self, after: _Token) -> None:
        """Give a clear message when an operator is not followed by a condition."""
        token = self.peek()
        if token.kind not in (_Kind.NAME, _Kind.LPAREN):
            raise self.fail(f"a condition after '{after.text}'", token)

    # -- grammar

    def parse_all(self) -> Condition:
        if self.peek().kind is _Kind.END:
            raise ConditionSyntaxError("Condition is empty", position=0)
        condition = self.or_expr()
        token = self.peek()
        if token.kind is _Kind.RPAREN:
            raise ConditionSyntaxError("Unmatched ')'", position=token.start)
        if token.kind is not _Kind.END:
            raise ConditionSyntaxError(
                f"Unexpected {_snippet(token.text)} after a complete condition; "
                "use 'and' or 'or' to combine conditions",
                position=token.start,
            )
        return condition

    def or_expr(self) -> Condition:
        items = [self.and_expr()]
        while self.at_keyword("or"):
            self.expect_operand(self.advance())
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(items=tuple(items))

    def and_expr(self) -> Condition:
        items = [self.not_expr()]
        while self.at_keyword("and"):
            self.expect_operand(self.advance())
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(items=tuple(items))

    def not_expr(self) -> Condition:
        if not self.at_keyword("not"):
            return self.primary()
        token = self.advance()
        self.enter(token)
        self.expect_operand(token)
        item = self.not_expr()
        self.leave()
        return Not(item=item)

    def primary(self) -> Condition:
        token = self.peek()
        if token.kind is not _Kind.LPAREN:
            return self.comparison()
        self.advance()
        self.enter(token)
        self.expect_operand(token)
        condition = self.or_expr()
        closing = self.peek()
        if closing.kind is _Kind.END:
            # Pointing at the end of the text would not help; the bracket
            # that was never closed is what needs attention.
            raise ConditionSyntaxError("Unclosed '('", position=token.start)
        if closing.kind is not _Kind.RPAREN:
            raise self.fail("')', 'and' or 'or'", closing)
        self.advance()
        self.leave()
        return condition

    def name(self, expected: str) -> _Token:
        token = self.peek()
        if token.kind is not _Kind.NAME:
            raise self.fail(expected, token)
        if token.text.lower() in _KEYWORDS:
            raise ConditionSyntaxError(
                f"Expected {expected}, found the reserved word {_snippet(token.text)}",
                position=token.start,
            )
        return self.advance()

    def comparison(self) -> Leaf:
        field_token = self.name("a field name")
        field_name = field_token.text
        start = field_token.start
        token = self.peek()

        if token.kind is _Kind.OP:
            self.advance()
            op = _OP_BY_SYMBOL[token.text]
            value_token = self.value(f"a value after '{token.text}'")
            return Compare(
                field=field_name,
                op=op,
                value=_literal(value_token),
                start=start,
                end=value_token.end,
            )

        negated = False
        if self.at_keyword("not"):
            not_token = self.advance()
            negated = True
            if not (self.at_keyword("in") or self.at_keyword("contains")):
                raise self.fail(f"'in' or 'contains' after '{not_token.text}'", self.peek())

        if self.at_keyword("in"):
            return self.in_list(field_name, start, negated)

        if self.at_keyword("contains"):
            contains_token = self.advance()
            text_token = self.peek()
            if text_token.kind is not _Kind.STRING:
                raise self.fail(f"quoted text after '{contains_token.text}'", text_token)
            self.advance()
            assert isinstance(text_token.value, str)
            return Contains(
                field=field_name,
                value=text_token.value,
                negated=negated,
                start=start,
                end=text_token.end,
            )

        if self.at_keyword("is"):
            is_token = self.advance()
            if self.at_keyword("not"):
                self.advance()
                negated = True
            if not self.at_keyword("empty"):
                after = "'is not'" if negated else f"'{is_token.text}'"
                raise self.fail(f"'empty' after {after}", self.peek())
            empty_token = self.advance()
            return IsEmpty(field=field_name, negated=negated, start=start, end=empty_token.end)

        raise self.fail(
            f"an operator after '{field_name}' (==, !=, <, <=, >, >=, in, contains or is empty)",
            token,
        )

    def in_list(self, field_name: str, start: int, negated: bool) -> InList:
        in_token = self.advance()
        token = self.peek()
        if token.kind is _Kind.NAME and token.text.lower() not in _KEYWORDS:
            self.advance()
            return InList(
                field=field_name, list_name=token.text, negated=negated, start=start, end=token.end
            )
        if token.kind not in (_Kind.LPAREN, _Kind.LBRACKET):
            raise self.fail(
                f'a list such as ("a", "b") or a list name after \'{in_token.text}\'', token
            )
        opening = self.advance()
        closer = _Kind.RPAREN if opening.kind is _Kind.LPAREN else _Kind.RBRACKET
        values: list[Value] = []
        while True:
            values.append(_literal(self.value("a value in the list")))
            token = self.peek()
            if token.kind is _Kind.COMMA:
                self.advance()
                if self.peek().kind is not closer:
                    continue  # another value follows
                token = self.peek()  # a trailing comma before the closing bracket
            if token.kind is closer:
                self.advance()
                return InList(
                    field=field_name,
                    values=tuple(values),
                    negated=negated,
                    start=start,
                    end=token.end,
                )
            if token.kind is _Kind.END:
                raise ConditionSyntaxError(f"Unclosed '{opening.text}'", position=opening.start)
            raise self.fail(f"',' or '{closer.value}' in the list", token)

    def value(self, expected: str) -> _Token:
        token = self.peek()
        if token.kind in (_Kind.NUMBER, _Kind.STRING):
            return self.advance()
        if token.kind is _Kind.NAME:
            if token.text.lower() in ("true", "false"):
                return self.advance()
            # The most common slip is forgetting the quotes around text.
            raise ConditionSyntaxError(
                f"Expected {expected}, found {_snippet(token.text)}; "
                f'text values need quotes, e.g. "{token.text}"',
                position=token.start,
            )
        raise self.fail(expected, token)


def _literal(token: _Token) -> Value:
    if token.kind is _Kind.NAME:
        return token.text.lower() == "true"
    assert token.value is not None
    return token.value


# ---------------------------------------------------------------------------
# Walking the tree


def _leaves(condition: Condition) -> Iterator[Leaf]:
    """Leaves from left to right, which for a parsed tree is source order."""
    if isinstance(condition, And | Or):
        for item in condition.items:
            yield from _leaves(item)
    elif isinstance(condition, Not):
        yield from _leaves(condition.item)
    else:
        yield condition


def fields_used(condition: Condition) -> frozenset[str]:
    """The names of all fields the condition reads."""
    return frozenset(leaf.field for leaf in _leaves(condition))


def validate(condition: Condition, *, fields: Collection[str], lists: Collection[str]) -> None:
    """Check every field and list name; raise :class:`UnknownNameError` for the first unknown."""
    for leaf in _leaves(condition):
        if leaf.field not in fields:
            raise _unknown("field", "fields", leaf.field, leaf.start, fields)
        if not isinstance(leaf, InList) or leaf.list_name is None:
            continue
        if leaf.list_name not in lists:
            raise _unknown("list", "lists", leaf.list_name, _list_name_position(leaf), lists)


def _list_name_position(leaf: InList) -> int:
    # A named list is always the last token of its leaf, so its position can be
    # derived without storing another offset. Hand-built trees have no
    # positions, in which case this falls back to the leaf's start.
    assert leaf.list_name is not None
    return max(leaf.start, leaf.end - len(leaf.list_name))


def _unknown(
    kind: str, plural: str, name: str, position: int, known: Collection[str]
) -> UnknownNameError:
    names = sorted(known)
    if not names:
        known_text = f"no {plural} are defined"
    elif len(names) > 20:
        known_text = f"known {plural}: {', '.join(names[:20])}, ... ({len(names) - 20} more)"
    else:
        known_text = f"known {plural}: {', '.join(names)}"
    return UnknownNameError(
        f"Unknown {kind} '{name}' at position {position}; {known_text}",
        name=name,
        position=position,
    )


# ---------------------------------------------------------------------------
# Canonical text


def to_text(condition: Condition) -> str:
    """Render a condition as canonical text that :func:`parse` reads back to an equal tree."""
    if isinstance(condition, And):
        # Nested And/Or need brackets, or parsing would flatten or regroup them.
        return " and ".join(_grouped(item, (And, Or)) for item in condition.items)
    if isinstance(condition, Or):
        # And binds tighter than Or, so only a nested Or needs brackets.
        return " or ".join(_grouped(item, (Or,)) for item in condition.items)
    if isinstance(condition, Not):
        return "not " + _grouped(condition.item, (And, Or))
    if isinstance(condition, Compare):
        return f"{condition.field} {condition.op.symbol} {_value_text(condition.value)}"
    if isinstance(condition, InList):
        keyword = "not in" if condition.negated else "in"
        if condition.values is None:
            target = str(condition.list_name)
        else:
            target = "(" + ", ".join(_value_text(v) for v in condition.values) + ")"
        return f"{condition.field} {keyword} {target}"
    if isinstance(condition, Contains):
        keyword = "not contains" if condition.negated else "contains"
        return f"{condition.field} {keyword} {_value_text(condition.value)}"
    if isinstance(condition, IsEmpty):
        return f"{condition.field} is {'not ' if condition.negated else ''}empty"
    raise TypeError(f"Not a condition: {condition!r}")


def _grouped(condition: Condition, needs_brackets: tuple[type, ...]) -> str:
    text = to_text(condition)
    return f"({text})" if isinstance(condition, needs_brackets) else text


def _value_text(value: Value) -> str:
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Numbers must be finite: {value!r}")
        # repr round-trips exactly and always contains "." or "e", so the
        # value parses back as a float rather than an int.
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    raise TypeError(f"Not a condition value: {value!r}")


# ---------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True, kw_only=True)
class Check:
    """The outcome of one leaf condition, for showing why a rule did or did not match."""

    text: str
    met: bool
    actual: object


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    verdict: bool
    checks: tuple[Check, ...]


_NO_LISTS: Mapping[str, Collection[object]] = MappingProxyType({})


def evaluate(
    condition: Condition,
    values: Mapping[str, object],
    *,
    lists: Mapping[str, Collection[object]] = _NO_LISTS,
    source: str = "",
) -> Evaluation:
    """Evaluate a condition against one record's field values.

    ``lists`` supplies the named lists used by ``in``. ``source`` is the text
    the condition was parsed from; when given, each check shows the original
    text of its leaf, otherwise its canonical text. See the module docstring
    for the rules.
    """
    checks: list[Check] = []
    verdict = _Evaluator(values, lists, source, checks).run(condition)
    return Evaluation(verdict=verdict, checks=tuple(checks))


class _Evaluator:
    def __init__(
        self,
        values: Mapping[str, object],
        lists: Mapping[str, Collection[object]],
        source: str,
        checks: list[Check],
    ) -> None:
        self.values = values
        self.lists = lists
        self.source = source
        self.checks = checks

    def run(self, condition: Condition) -> bool:
        if isinstance(condition, And):
            # A list, not a generator: every item must be evaluated so that
            # every check is reported.
            return all([self.run(item) for item in condition.items])
        if isinstance(condition, Or):
            return any([self.run(item) for item in condition.items])
        if isinstance(condition, Not):
            inner = condition.item
            if isinstance(inner, And | Or | Not):
                return not self.run(inner)
            # A negated leaf is reported as one check, "not ...", met when the leaf
            # is not: a reader should see a tick where the definition is satisfied.
            actual = self.values.get(inner.field)
            met = not self.leaf(inner, actual)
            self.checks.append(Check(text=f"not {self.text_of(inner)}", met=met, actual=actual))
            return met
        actual = self.values.get(condition.field)
        met = self.leaf(condition, actual)
        self.checks.append(Check(text=self.text_of(condition), met=met, actual=actual))
        return met

    def text_of(self, leaf: Leaf) -> str:
        text = self.source[leaf.start : leaf.end] if self.source else ""
        return text or to_text(leaf)

    def leaf(self, leaf: Leaf, actual: object) -> bool:
        if isinstance(leaf, IsEmpty):
            return _is_empty(actual) != leaf.negated
        if actual is None:
            return False
        if isinstance(leaf, Compare):
            if leaf.op is Op.EQ:
                return _equal(actual, leaf.value)
            if leaf.op is Op.NE:
                return not _equal(actual, leaf.value)
            return _ordered(actual, leaf.op, leaf.value)
        if isinstance(leaf, InList):
            return self.membership(leaf).contains(actual) != leaf.negated
        if not isinstance(actual, str):
            return False
        return (leaf.value.casefold() in actual.casefold()) != leaf.negated

    def membership(self, leaf: InList) -> _Membership:
        if leaf.values is not None:
            return _membership(leaf.values)
        assert leaf.list_name is not None
        try:
            items = self.lists[leaf.list_name]
        except KeyError:
            raise _unknown(
                "list", "lists", leaf.list_name, _list_name_position(leaf), self.lists
            ) from None
        return _membership(items)


def _is_empty(actual: object) -> bool:
    return actual is None or (isinstance(actual, str) and actual == "")


_NUMBER_TYPES = (int, float, Decimal, Fraction)


def _as_number(value: object) -> Any:
    """The numeric value of a number or numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, _NUMBER_TYPES):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_RE.fullmatch(text) is None:
            return None
        if any(c in text for c in ".eE"):
            return float(text)
        try:
            return int(text)
        except ValueError:  # too many digits for int(); still a (huge) number
            return float(text)
    return None


def _equal(actual: object, literal: object) -> bool:
    """Equality between a record's value and a literal (or a named list's item)."""
    if isinstance(literal, bool):
        return isinstance(actual, bool) and actual is literal
    if isinstance(literal, str):
        return isinstance(actual, str) and actual.casefold() == literal.casefold()
    if isinstance(literal, _NUMBER_TYPES):
        number = _as_number(actual)
        return number is not None and _safe(operator.eq, number, literal)
    # Named lists may hold other types (dates, say); plain equality, guarded.
    return _safe(operator.eq, actual, literal)


_ORDER_OPS: dict[Op, Callable[[Any, Any], Any]] = {
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
}


def _ordered(actual: object, op: Op, literal: Value) -> bool:
    compare = _ORDER_OPS[op]
    if isinstance(literal, bool):
        return False
    if isinstance(literal, str):
        return isinstance(actual, str) and _safe(compare, actual.casefold(), literal.casefold())
    number = _as_number(actual)
    return number is not None and _safe(compare, number, literal)


def _safe(compare: Callable[[Any, Any], Any], left: object, right: object) -> bool:
    # Decimal NaNs raise on comparison and arbitrary objects may raise
    # anything; a comparison that cannot be made is simply unmet.
    try:
        return bool(compare(left, right))
    except Exception:
        return False


@dataclass(frozen=True, kw_only=True)
class _Membership:
    """A list's items sorted by how they compare, so lookups are hash-based.

    Named lists (free email domains, say) can hold thousands of items, and a
    rule may run over every contact; a linear scan with casefolding per item
    would dominate. The result must equal ``any(_equal(actual, item))``.
    """

    texts: frozenset[str]  # casefolded
    numbers: frozenset[Any]
    booleans: frozenset[bool]
    others: tuple[object, ...]

    def contains(self, actual: object) -> bool:
        if isinstance(actual, bool):
            found = actual in self.booleans
        elif isinstance(actual, str):
            found = actual.casefold() in self.texts or self._has_number(_as_number(actual))
        else:
            found = self._has_number(_as_number(actual))
        return found or any(_safe(operator.eq, actual, item) for item in self.others)

    def _has_number(self, number: Any) -> bool:
        if number is None:
            return False
        try:
            # NaN equals nothing, but a set would find the very same NaN object.
            if number != number:
                return False
            return number in self.numbers
        except Exception:  # e.g. signalling Decimal NaN, which cannot be hashed
            return False


def _build_membership(items: Collection[object]) -> _Membership:
    texts: set[str] = set()
    numbers: set[Any] = set()
    booleans: set[bool] = set()
    others: list[object] = []
    for item in items:
        if isinstance(item, bool):
            booleans.add(item)
        elif isinstance(item, str):
            texts.add(item.casefold())
        elif isinstance(item, _NUMBER_TYPES):
            try:
                if item == item:  # NaN can never be equal, so it can be left out
                    numbers.add(item)
            except Exception:
                pass
        else:
            others.append(item)
    return _Membership(
        texts=frozenset(texts),
        numbers=frozenset(numbers),
        booleans=frozenset(booleans),
        others=tuple(others),
    )


# Indexes of immutable collections, keyed by identity. Each entry keeps its
# collection alive, so an id cannot be reused by another object while cached.
# Identity rather than equality, because (1,) == (True,) yet they differ here.
_MEMBERSHIP_CACHE: dict[int, tuple[object, _Membership]] = {}
_MEMBERSHIP_CACHE_SIZE = 64


def _membership(items: Collection[object]) -> _Membership:
    # Immutable collections are cached across calls, so evaluating one rule
    # against many contacts indexes each list once. Mutable ones are indexed
    # per call because they may change between calls.
    if not isinstance(items, frozenset | tuple):
        return _build_membership(items)
    entry = _MEMBERSHIP_CACHE.get(id(items))
    if entry is not None and entry[0] is items:
        return entry[1]
    built = _build_membership(items)
    if len(_MEMBERSHIP_CACHE) >= _MEMBERSHIP_CACHE_SIZE:
        # Starting over is simpler than tracking age, and safe when several
        # threads share the cache; rebuilding an index is cheap.
        _MEMBERSHIP_CACHE.clear()
    _MEMBERSHIP_CACHE[id(items)] = (items, built)
    return built
