"""Rule-based lead scoring: fit from who a contact is, engagement from what they did.

Marketing and sales agree on the rules in one :class:`ScoringConfig`; this module
turns a contact's field values and touchpoints into two scores and a grade, and
lists every rule that contributed so the contact page can explain the number.
:func:`score_contact` is the reference implementation, one contact at a time;
``tandem.analytics.rule_scoring`` computes the very same results in bulk.

Semantics
---------

Derived values
    When the contact's own ``seniority`` (or ``persona``) is blank (``None`` or
    ``""``), it is derived from ``job_title`` with the editable
    :class:`TitleTables`. The title and each keyword are case-folded and split
    into tokens at separator characters (see :func:`title_tokens`); a keyword
    matches when its tokens appear consecutively in the title's tokens, so
    ``"vp"`` matches "VP, Sales" but not "MVP", and ``"co-founder"`` matches
    "Co Founder". Rules are tried in order and the first rule with a matching
    keyword wins, so order is priority: "vice president" must come before
    "president". A derived value is listed as a zero-point ``fit`` contribution
    named ``"title → seniority vp"`` (or ``"title → persona sales"``), before
    any rule, seniority first.

Fit
    Every fit rule whose condition is met (see :mod:`tandem.core.conditions`;
    the derived values are visible to it) adds its whole-number points, which
    may be negative. ``fit = clamp(sum, 0, 100)``.

Engagement
    A touchpoint's age is ``now - occurred_at`` in whole microseconds, counted
    as 0 for touchpoints in the future; ``now`` must be timezone-aware. It is
    worth ``points * 0.5 ** (age_days / half_life_days)`` where ``age_days`` is
    the age as a float divided by 86,400,000,000 and ``points`` comes from the
    engagement rule for its type. That worth is rounded half up to whole
    millionths of a point (micro-points) *before* anything is added up, so every
    sum is exact integer arithmetic whose result does not depend on the order of
    the touchpoints; this is what lets a bulk engine reproduce the reference
    bit for bit. Per type, the micro-points are summed and, when the rule has a
    cap, limited to the cap. Negative rules add their (decayed, rounded the same
    way, never capped) points for every touchpoint they match, on top of the
    engagement rule for that touchpoint's type. ``engagement = clamp(total
    rounded half up to a whole point, 0, 100)``.

    Touchpoint types are plain strings: a rule for a type that no touchpoint
    has (such as ``"unsubscribe"`` before such a type exists) simply never
    matches. :meth:`ScoringConfig.from_dict` checks types against
    ``known_types`` when it is given.

Grade
    A letter for fit (``A`` at or above the first threshold, ``B`` the second,
    ``C`` the third, else ``D``) and a digit for engagement (``1``, ``2``, ``3``,
    else ``4``) with the same thresholds, e.g. ``"B2"``.

Contributions
    Derived values first, then met fit rules in configuration order (their
    points, even 0), then engagement rules in configuration order (capped
    points), then negative rules in configuration order. Engagement and
    negative points are rounded half up to two decimals from the exact
    micro-points, and a rule is listed only when that is not 0.00: a rule with
    no matching touchpoints, or only very old ones, is left out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Final

from tandem.core.conditions import (
    Condition,
    ConditionSyntaxError,
    UnknownNameError,
    evaluate,
    parse,
    validate,
)
from tandem.core.contact_fields import FIELDS, NAMED_LISTS
from tandem.core.errors import CoreError

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_TITLE_TABLES",
    "FIT_FIELDS",
    "MAX_CAP",
    "MAX_FIT_RULES",
    "MAX_POINTS",
    "MICRO",
    "TITLE_SEPARATOR_RANGES",
    "Contribution",
    "ContributionKind",
    "EngagementRule",
    "FitRule",
    "NegativeRule",
    "Persona",
    "ScoreResult",
    "ScoringConfig",
    "ScoringConfigError",
    "Seniority",
    "TitleRule",
    "TitleTables",
    "TouchpointFact",
    "age_microseconds",
    "check_names",
    "classify_title",
    "decay_factor",
    "explanation_json",
    "grade_for",
    "micro_points",
    "micro_to_hundredths",
    "micro_to_whole",
    "score_contact",
    "title_tokens",
    "to_micro",
]


class ScoringConfigError(CoreError):
    """A scoring configuration is invalid; ``path`` says where, e.g. ``fit_rules[2].condition``."""

    code = "invalid_scoring_config"

    def __init__(self, message: str, *, path: str, position: int | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path
        # Character offset inside a condition, when the problem is in one.
        self.position = position


class Seniority(StrEnum):
    INDIVIDUAL = "individual"
    MANAGER = "manager"
    DIRECTOR = "director"
    VP = "vp"
    C_LEVEL = "c_level"
    OWNER = "owner"


class Persona(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    IT = "it"
    ENGINEERING = "engineering"
    FINANCE = "finance"
    OPERATIONS = "operations"
    HR = "hr"
    EXECUTIVE = "executive"
    OTHER = "other"


class ContributionKind(StrEnum):
    FIT = "fit"
    ENGAGEMENT = "engagement"
    NEGATIVE = "negative"


# The scores themselves are what fit rules produce, so a fit rule reading them
# would depend on a previous run; grade likewise.
FIT_FIELDS: Final[frozenset[str]] = frozenset(FIELDS) - {"fit_score", "engagement_score", "grade"}

# Limits that keep every intermediate value small enough to be exact in a
# double and in 64-bit integers, and far beyond anything a sensible rule needs.
MAX_POINTS: Final = 1000
MAX_CAP: Final = 10_000
# A model people can read and agree on has far fewer; the bulk engine packs
# which rules a contact meets into one 128-bit key.
MAX_FIT_RULES: Final = 100
MICRO: Final = 1_000_000
_MICROSECONDS_PER_DAY: Final = 86_400_000_000.0


# ---------------------------------------------------------------------------
# Job titles

# Characters that separate words in a job title. Everything else is part of a
# word: ASCII letters and digits, and any other character not listed here
# (accented letters, other scripts). Spelled out as code point ranges rather
# than "not a letter" so that Python and the SQL engine, whose Unicode tables
# differ, split titles identically.
TITLE_SEPARATOR_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x00, 0x2F),  # controls, space and ASCII punctuation up to "/"
    (0x3A, 0x40),  # : ; < = > ? @
    (0x5B, 0x60),  # [ \ ] ^ _ `
    (0x7B, 0xBF),  # { | } ~, DEL, C1 controls, no-break space, Latin-1 punctuation
    (0xD7, 0xD7),  # multiplication sign
    (0xF7, 0xF7),  # division sign
    (0x1680, 0x1680),  # ogham space mark
    (0x2000, 0x206F),  # general punctuation: typographic spaces, dashes, quotes
    (0x3000, 0x303F),  # CJK symbols and punctuation, ideographic space
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFF01, 0xFF0F),  # fullwidth punctuation
)

_SEPARATORS_RE: Final = re.compile(
    "["
    + "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in TITLE_SEPARATOR_RANGES
    )
    + "]+"
)


def title_tokens(text: str) -> str:
    """The case-folded words of a title or keyword, joined by single spaces.

    ``title_tokens("Sr. VP -- Sales") == "sr vp sales"``.
    """
    return _SEPARATORS_RE.sub(" ", text.casefold()).strip(" ")


@dataclass(frozen=True, kw_only=True)
class TitleRule:
    """If any keyword occurs in the title, the title means ``value``."""

    keywords: tuple[str, ...]
    value: str

    @cached_property
    def patterns(self) -> tuple[str, ...]:
        """Each keyword's words with a space either side, to find in a padded title."""
        return tuple(f" {title_tokens(keyword)} " for keyword in self.keywords)


@dataclass(frozen=True, kw_only=True)
class TitleTables:
    """Keyword tables from a job title to seniority and persona; first match wins."""

    seniority: tuple[TitleRule, ...]
    persona: tuple[TitleRule, ...]


def classify_title(title: str | None, tables: TitleTables) -> tuple[str | None, str | None]:
    """(seniority, persona) a job title implies; ``None`` where no rule matches."""
    if not title:
        return None, None
    padded = f" {title_tokens(title)} "
    return _first_match(padded, tables.seniority), _first_match(padded, tables.persona)


def _first_match(padded: str, rules: Sequence[TitleRule]) -> str | None:
    for rule in rules:
        if any(pattern in padded for pattern in rule.patterns):
            return rule.value
    return None


def _rule(value: str, *keywords: str) -> TitleRule:
    return TitleRule(keywords=keywords, value=value)


DEFAULT_TITLE_TABLES: Final = TitleTables(
    seniority=(
        # Exceptions first: these contain a senior-sounding word but are not senior.
        _rule("individual", "product owner", "account manager", "office manager",
              "executive assistant", "assistant to"),
        _rule("owner", "founder", "cofounder", "owner", "managing partner", "proprietor"),
        _rule("c_level", "chief", "ceo", "cfo", "cmo", "cto", "cio", "coo", "cro", "ciso",
              "cpo", "chro", "cco", "managing director", "geschäftsführer"),
        # Before the generic "president" below, which "vice president" contains.
        _rule("vp", "vice president", "vp", "svp", "evp", "avp"),
        _rule("c_level", "president"),
        _rule("director", "director", "head", "directeur", "directora"),
        _rule("manager", "manager", "mgr", "team lead", "team leader", "supervisor",
              "leiter", "responsable"),
        _rule("individual", "specialist", "analyst", "engineer", "developer", "coordinator",
              "associate", "representative", "executive", "consultant", "administrator",
              "accountant", "recruiter", "generalist", "partner", "scientist", "designer",
              "strategist", "intern", "assistant", "counsel", "agent", "architect",
              "technician", "officer", "sdr", "bdr", "writer", "student"),
    ),
    persona=(
        _rule("marketing", "marketing", "cmo", "demand generation", "demand gen", "growth",
              "brand", "content", "seo", "sem", "communications", "public relations",
              "social media", "campaign", "campaigns", "events", "field marketing"),
        _rule("sales", "sales", "cro", "chief revenue", "revenue", "business development",
              "bdr", "sdr", "account executive", "account manager", "key accounts",
              "key account", "partnerships", "inside sales", "solutions consultant",
              "pre sales", "presales", "commercial"),
        _rule("it", "cio", "ciso", "it", "information", "information technology", "security",
              "infrastructure", "network", "systems", "sysadmin", "helpdesk", "help desk",
              "crm administrator", "enterprise applications"),
        _rule("engineering", "cto", "engineer", "engineering", "developer", "software", "data",
              "devops", "platform", "architect", "technology", "technical", "r&d", "product"),
        _rule("finance", "cfo", "finance", "financial", "fp&a", "accounting", "accountant",
              "controller", "controlling", "treasury", "billing", "tax", "audit"),
        _rule("hr", "chro", "chief people", "hr", "human resources", "people", "talent",
              "recruiter", "recruiting", "recruitment"),
        _rule("operations", "coo", "operations", "operating", "customer success",
              "chief customer", "supply chain", "procurement", "purchasing", "logistics",
              "project", "program", "business analyst"),
        # Functions before "executive": "Vice President, Legal" is legal, not the
        # president; a bare "President" or "Founder" falls through to executive.
        _rule("other", "legal", "counsel", "attorney", "support", "research", "strategy",
              "facilities", "office manager", "student", "teacher", "professor"),
        _rule("executive", "ceo", "chief executive", "president", "founder", "cofounder",
              "owner", "managing director", "managing partner", "general manager",
              "geschäftsführer"),
    ),
)  # fmt: skip


# ---------------------------------------------------------------------------
# Rules and configuration


@dataclass(frozen=True, kw_only=True)
class FitRule:
    """``points`` (whole, may be negative) when ``condition`` is met."""

    name: str
    condition: str
    points: int

    @cached_property
    def tree(self) -> Condition:
        """The parsed condition; :class:`ScoringConfig` has checked that it parses."""
        return parse(self.condition)


@dataclass(frozen=True, kw_only=True)
class EngagementRule:
    """``points`` per touchpoint of ``touchpoint_type``, decayed; the sum is capped at ``cap``."""

    touchpoint_type: str
    points: float
    cap: float | None = None


@dataclass(frozen=True, kw_only=True)
class NegativeRule:
    """``points`` (negative, decayed) per touchpoint of the type and/or URL given."""

    name: str
    points: float
    touchpoint_type: str | None = None
    # Case-insensitive substring of the touchpoint's URL, e.g. "/careers".
    url_contains: str | None = None

    def matches(self, touchpoint: TouchpointFact) -> bool:
        if self.touchpoint_type is not None and touchpoint.type != self.touchpoint_type:
            return False
        if self.url_contains is None:
            return True
        return self.url_contains.casefold() in (touchpoint.url or "").casefold()


@dataclass(frozen=True, kw_only=True)
class ScoringConfig:
    """Everything both teams agree on for rule-based scoring. Validated on construction."""

    title_tables: TitleTables
    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]
    negative_rules: tuple[NegativeRule, ...]
    half_life_days: float
    grade_thresholds: tuple[int, int, int] = (75, 50, 25)

    def __post_init__(self) -> None:
        _check_config(self)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, object],
        *,
        known_types: Collection[str] | None = None,
        fields: Collection[str] = FIT_FIELDS,
        lists: Collection[str] = tuple(NAMED_LISTS),
    ) -> ScoringConfig:
        """Build and validate a configuration from its :meth:`to_dict` form.

        Raises :class:`ScoringConfigError` naming the first problem and where it
        is. Conditions must parse and use only ``fields`` and ``lists``; touchpoint
        types are checked against ``known_types`` when it is given.
        """
        config = _Reader().config(data)
        check_names(config, known_types=known_types, fields=fields, lists=lists)
        return config

    def to_dict(self) -> dict[str, object]:
        """A JSON-compatible form that :meth:`from_dict` reads back to an equal config."""
        return {
            "title_tables": {
                table: [
                    {"keywords": list(rule.keywords), "value": rule.value}
                    for rule in getattr(self.title_tables, table)
                ]
                for table in ("seniority", "persona")
            },
            "fit_rules": [
                {"name": r.name, "condition": r.condition, "points": r.points}
                for r in self.fit_rules
            ],
            "engagement_rules": [
                {"touchpoint_type": r.touchpoint_type, "points": r.points, "cap": r.cap}
                for r in self.engagement_rules
            ],
            "negative_rules": [
                {
                    "name": r.name,
                    "touchpoint_type": r.touchpoint_type,
                    "url_contains": r.url_contains,
                    "points": r.points,
                }
                for r in self.negative_rules
            ],
            "half_life_days": self.half_life_days,
            "grade_thresholds": list(self.grade_thresholds),
        }


def check_names(
    config: ScoringConfig,
    *,
    known_types: Collection[str] | None = None,
    fields: Collection[str] = FIT_FIELDS,
    lists: Collection[str] = tuple(NAMED_LISTS),
) -> None:
    """Check field, list and touchpoint type names; raise :class:`ScoringConfigError`."""
    for index, rule in enumerate(config.fit_rules):
        try:
            validate(rule.tree, fields=fields, lists=lists)
        except UnknownNameError as exc:
            raise ScoringConfigError(
                exc.message, path=f"fit_rules[{index}].condition", position=exc.position
            ) from None
    if known_types is None:
        return
    known = sorted(known_types)
    rules: list[tuple[str, str | None]] = [
        (f"engagement_rules[{i}].touchpoint_type", r.touchpoint_type)
        for i, r in enumerate(config.engagement_rules)
    ]
    rules += [
        (f"negative_rules[{i}].touchpoint_type", r.touchpoint_type)
        for i, r in enumerate(config.negative_rules)
    ]
    for path, touchpoint_type in rules:
        if touchpoint_type is not None and touchpoint_type not in known_types:
            raise ScoringConfigError(
                f"unknown touchpoint type {touchpoint_type!r}; known types: {', '.join(known)}",
                path=path,
            )


def _check_config(config: ScoringConfig) -> None:
    for table, allowed in (("seniority", Seniority), ("persona", Persona)):
        for i, title_rule in enumerate(getattr(config.title_tables, table)):
            path = f"title_tables.{table}[{i}]"
            choices = [member.value for member in allowed]
            if title_rule.value not in choices:
                raise ScoringConfigError(
                    f"unknown {table} {title_rule.value!r}; choose one of {', '.join(choices)}",
                    path=f"{path}.value",
                )
            if not title_rule.keywords:
                raise ScoringConfigError("needs at least one keyword", path=f"{path}.keywords")
            for k, keyword in enumerate(title_rule.keywords):
                if not title_tokens(keyword):
                    raise ScoringConfigError(
                        "keyword must contain a letter or digit",
                        path=f"{path}.keywords[{k}]",
                    )
    if len(config.fit_rules) > MAX_FIT_RULES:
        raise ScoringConfigError(
            f"at most {MAX_FIT_RULES} fit rules, not {len(config.fit_rules)}", path="fit_rules"
        )
    names: dict[str, int] = {}
    for i, fit_rule in enumerate(config.fit_rules):
        path = f"fit_rules[{i}]"
        _check_name(fit_rule.name, names, i, path="fit_rules")
        _check_points(fit_rule.points, f"{path}.points", whole=True)
        try:
            fit_rule.tree  # noqa: B018 -- parses and caches the condition
        except ConditionSyntaxError as exc:
            raise ScoringConfigError(
                f"{exc.message} at position {exc.position} of the condition",
                path=f"{path}.condition",
                position=exc.position,
            ) from None
    types: dict[str, int] = {}
    for i, engagement_rule in enumerate(config.engagement_rules):
        path = f"engagement_rules[{i}]"
        _check_type(engagement_rule.touchpoint_type, f"{path}.touchpoint_type")
        if engagement_rule.touchpoint_type in types:
            raise ScoringConfigError(
                f"a rule for {engagement_rule.touchpoint_type!r} already exists at "
                f"engagement_rules[{types[engagement_rule.touchpoint_type]}]",
                path=f"{path}.touchpoint_type",
            )
        types[engagement_rule.touchpoint_type] = i
        _check_points(engagement_rule.points, f"{path}.points", whole=False)
        cap = engagement_rule.cap
        if cap is not None and (
            not _is_number(cap) or not math.isfinite(cap) or not 0 < cap <= MAX_CAP
        ):
            raise ScoringConfigError(
                f"cap must be a number above 0 and at most {MAX_CAP}, or empty",
                path=f"{path}.cap",
            )
    names = {}
    for i, negative_rule in enumerate(config.negative_rules):
        path = f"negative_rules[{i}]"
        _check_name(negative_rule.name, names, i, path="negative_rules")
        if negative_rule.touchpoint_type is None and negative_rule.url_contains is None:
            raise ScoringConfigError(
                "give a touchpoint type, a URL fragment or both", path=f"{path}.touchpoint_type"
            )
        if negative_rule.touchpoint_type is not None:
            _check_type(negative_rule.touchpoint_type, f"{path}.touchpoint_type")
        if negative_rule.url_contains is not None and (
            not isinstance(negative_rule.url_contains, str) or not negative_rule.url_contains
        ):
            raise ScoringConfigError(
                "URL fragment must be non-empty text, or empty to match any URL",
                path=f"{path}.url_contains",
            )
        _check_points(negative_rule.points, f"{path}.points", whole=False)
        if not negative_rule.points < 0:
            raise ScoringConfigError(
                "points of a negative rule must be below 0", path=f"{path}.points"
            )
    half_life = config.half_life_days
    if not _is_number(half_life) or not math.isfinite(half_life) or half_life <= 0:
        raise ScoringConfigError(
            "half-life must be a number of days above 0", path="half_life_days"
        )
    thresholds = config.grade_thresholds
    if (
        not isinstance(thresholds, tuple)
        or len(thresholds) != 3
        or not all(isinstance(t, int) and not isinstance(t, bool) for t in thresholds)
        or not 100 >= thresholds[0] > thresholds[1] > thresholds[2] >= 0
    ):
        raise ScoringConfigError(
            "must be three whole numbers from 100 down to 0, each below the one before, "
            "e.g. [75, 50, 25]",
            path="grade_thresholds",
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_points(points: object, path: str, *, whole: bool) -> None:
    if whole and not (isinstance(points, int) and not isinstance(points, bool)):
        raise ScoringConfigError("points must be a whole number", path=path)
    if not _is_number(points):
        raise ScoringConfigError("points must be a number", path=path)
    assert isinstance(points, int | float)
    if not math.isfinite(points) or abs(points) > MAX_POINTS:
        raise ScoringConfigError(
            f"points must be between -{MAX_POINTS} and {MAX_POINTS}", path=path
        )


def _check_name(name: object, seen: dict[str, int], index: int, *, path: str) -> None:
    # Names identify rules in explanations, so they must be present and distinct.
    where = f"{path}[{index}].name"
    if not isinstance(name, str) or not name.strip():
        raise ScoringConfigError("name must be non-empty text", path=where)
    if name in seen:
        raise ScoringConfigError(
            f"name {name!r} is already used by {path}[{seen[name]}]", path=where
        )
    seen[name] = index


def _check_type(touchpoint_type: object, path: str) -> None:
    if not isinstance(touchpoint_type, str) or not touchpoint_type:
        raise ScoringConfigError("touchpoint type must be non-empty text", path=path)


class _Reader:
    """Reads the dictionary form with precise paths for every type mistake."""

    def config(self, data: object) -> ScoringConfig:
        top = self.mapping(
            data,
            "",
            required={"fit_rules", "engagement_rules", "negative_rules", "half_life_days"},
            optional={"title_tables", "grade_thresholds"},
        )
        tables = DEFAULT_TITLE_TABLES
        if "title_tables" in top:
            raw = self.mapping(
                top["title_tables"], "title_tables", required={"seniority", "persona"}
            )
            tables = TitleTables(
                seniority=self.title_rules(raw["seniority"], "title_tables.seniority"),
                persona=self.title_rules(raw["persona"], "title_tables.persona"),
            )
        fit_rules = tuple(
            FitRule(
                name=self.text(item["name"], f"{path}.name"),
                condition=self.text(item["condition"], f"{path}.condition"),
                points=self.whole(item["points"], f"{path}.points"),
            )
            for path, item in self.items(
                top["fit_rules"], "fit_rules", required={"name", "condition", "points"}
            )
        )
        engagement_rules = tuple(
            EngagementRule(
                touchpoint_type=self.text(item["touchpoint_type"], f"{path}.touchpoint_type"),
                points=self.number(item["points"], f"{path}.points"),
                cap=self.optional_number(item.get("cap"), f"{path}.cap"),
            )
            for path, item in self.items(
                top["engagement_rules"],
                "engagement_rules",
                required={"touchpoint_type", "points"},
                optional={"cap"},
            )
        )
        negative_rules = tuple(
            NegativeRule(
                name=self.text(item["name"], f"{path}.name"),
                touchpoint_type=self.optional_text(
                    item.get("touchpoint_type"), f"{path}.touchpoint_type"
                ),
                url_contains=self.optional_text(item.get("url_contains"), f"{path}.url_contains"),
                points=self.number(item["points"], f"{path}.points"),
            )
            for path, item in self.items(
                top["negative_rules"],
                "negative_rules",
                required={"name", "points"},
                optional={"touchpoint_type", "url_contains"},
            )
        )
        thresholds: tuple[int, int, int] = (75, 50, 25)
        if "grade_thresholds" in top:
            raw_thresholds = self.sequence(top["grade_thresholds"], "grade_thresholds")
            values = tuple(
                self.whole(v, f"grade_thresholds[{i}]") for i, v in enumerate(raw_thresholds)
            )
            if len(values) != 3:
                raise ScoringConfigError(
                    f"needs exactly three thresholds, not {len(values)}", path="grade_thresholds"
                )
            thresholds = (values[0], values[1], values[2])
        return ScoringConfig(
            title_tables=tables,
            fit_rules=fit_rules,
            engagement_rules=engagement_rules,
            negative_rules=negative_rules,
            half_life_days=self.number(top["half_life_days"], "half_life_days"),
            grade_thresholds=thresholds,
        )

    def title_rules(self, data: object, path: str) -> tuple[TitleRule, ...]:
        return tuple(
            TitleRule(
                keywords=tuple(
                    self.text(k, f"{item_path}.keywords[{i}]")
                    for i, k in enumerate(self.sequence(item["keywords"], f"{item_path}.keywords"))
                ),
                value=self.text(item["value"], f"{item_path}.value"),
            )
            for item_path, item in self.items(data, path, required={"keywords", "value"})
        )

    def mapping(
        self,
        data: object,
        path: str,
        *,
        required: Collection[str],
        optional: Collection[str] = (),
    ) -> Mapping[str, object]:
        where = path or "configuration"
        if not isinstance(data, Mapping):
            raise ScoringConfigError(f"{where} must be an object", path=path)
        for key in data:
            if key not in required and key not in optional:
                allowed = ", ".join(sorted([*required, *optional]))
                raise ScoringConfigError(
                    f"unknown key {key!r}; allowed keys: {allowed}",
                    path=f"{path}.{key}" if path else str(key),
                )
        for key in sorted(required):
            if key not in data:
                raise ScoringConfigError("is required", path=f"{path}.{key}" if path else key)
        return data

    def sequence(self, data: object, path: str) -> Sequence[object]:
        if isinstance(data, str | bytes) or not isinstance(data, Sequence):
            raise ScoringConfigError("must be a list", path=path)
        return data

    def items(
        self,
        data: object,
        path: str,
        *,
        required: Collection[str],
        optional: Collection[str] = (),
    ) -> list[tuple[str, Mapping[str, object]]]:
        return [
            (
                f"{path}[{i}]",
                self.mapping(item, f"{path}[{i}]", required=required, optional=optional),
            )
            for i, item in enumerate(self.sequence(data, path))
        ]

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise ScoringConfigError("must be text", path=path)
        return value

    def optional_text(self, value: object, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def number(self, value: object, path: str) -> float:
        if not _is_number(value):
            raise ScoringConfigError("must be a number", path=path)
        assert isinstance(value, int | float)
        return float(value)

    def optional_number(self, value: object, path: str) -> float | None:
        return None if value is None else self.number(value, path)

    def whole(self, value: object, path: str) -> int:
        # JSON tools may write 10 as 10.0; accept that, refuse 10.5.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ScoringConfigError("must be a whole number", path=path)
        return value


# ---------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True, kw_only=True)
class TouchpointFact:
    """What scoring needs to know about one touchpoint."""

    type: str
    occurred_at: datetime  # timezone-aware
    url: str = ""


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """One rule's part in a score: ``points`` rounded to two decimals."""

    kind: ContributionKind
    rule: str
    points: float


@dataclass(frozen=True, kw_only=True)
class ScoreResult:
    fit: int
    engagement: int
    grade: str
    contributions: tuple[Contribution, ...]


def age_microseconds(occurred_at: datetime, now: datetime) -> int:
    """Whole microseconds from ``occurred_at`` to ``now``; 0 for the future."""
    return max(0, (now - occurred_at) // timedelta(microseconds=1))


def decay_factor(age_us: int, half_life_days: float) -> float:
    # float() first, then one division, exactly as the SQL engine computes it:
    # the same IEEE operations in the same order give the same bits.
    return 0.5 ** ((float(age_us) / _MICROSECONDS_PER_DAY) / half_life_days)


def micro_points(points: float, factor: float) -> int:
    """``points * factor`` rounded half up to whole micro-points."""
    return math.floor(points * factor * 1e6 + 0.5)


def to_micro(points: float) -> int:
    """A configured number of points (a cap, say) in whole micro-points, half up."""
    return math.floor(points * 1e6 + 0.5)


def micro_to_whole(micro: int) -> int:
    """Micro-points rounded half up to whole points."""
    return (micro + MICRO // 2) // MICRO


def micro_to_hundredths(micro: int) -> int:
    """Micro-points rounded half up to hundredths of a point."""
    return (micro + 5_000) // 10_000


def grade_for(fit: int, engagement: int, thresholds: tuple[int, int, int]) -> str:
    first, second, third = thresholds

    def band(score: int) -> int:
        return 0 if score >= first else 1 if score >= second else 2 if score >= third else 3

    return "ABCD"[band(fit)] + "1234"[band(engagement)]


def _is_blank(value: object) -> bool:
    return value is None or value == ""


def score_contact(
    config: ScoringConfig,
    values: Mapping[str, object],
    touchpoints: Iterable[TouchpointFact],
    *,
    now: datetime,
    lists: Mapping[str, Collection[object]] = NAMED_LISTS,
) -> ScoreResult:
    """Score one contact; see the module docstring for the rules.

    ``values`` maps condition field names to the contact's values; ``lists``
    supplies the named lists conditions may use. Raises ``ValueError`` when
    ``now`` or a touchpoint's time is naive.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    contributions: list[Contribution] = []
    record = dict(values)

    # Derived values come first: fit rules may test them.
    seniority_blank = _is_blank(record.get("seniority"))
    persona_blank = _is_blank(record.get("persona"))
    if seniority_blank or persona_blank:
        title = record.get("job_title")
        seniority, persona = classify_title(
            title if isinstance(title, str) else None, config.title_tables
        )
        for blank, name, derived in (
            (seniority_blank, "seniority", seniority),
            (persona_blank, "persona", persona),
        ):
            if blank and derived is not None:
                record[name] = derived
                contributions.append(
                    Contribution(
                        kind=ContributionKind.FIT, rule=f"title → {name} {derived}", points=0.0
                    )
                )

    fit_total = 0
    for rule in config.fit_rules:
        if evaluate(rule.tree, record, lists=lists).verdict:
            fit_total += rule.points
            contributions.append(
                Contribution(kind=ContributionKind.FIT, rule=rule.name, points=float(rule.points))
            )
    fit = min(100, max(0, fit_total))

    rule_index = {rule.touchpoint_type: i for i, rule in enumerate(config.engagement_rules)}
    engaged = [0] * len(config.engagement_rules)
    penalised = [0] * len(config.negative_rules)
    for touchpoint in touchpoints:
        if touchpoint.occurred_at.utcoffset() is None:
            raise ValueError("touchpoint times must be timezone-aware")
        factor = decay_factor(age_microseconds(touchpoint.occurred_at, now), config.half_life_days)
        index = rule_index.get(touchpoint.type)
        if index is not None:
            engaged[index] += micro_points(config.engagement_rules[index].points, factor)
        for j, negative in enumerate(config.negative_rules):
            if negative.matches(touchpoint):
                penalised[j] += micro_points(negative.points, factor)

    total = 0
    parts: list[tuple[ContributionKind, str, int]] = []
    for engagement_rule, micro in zip(config.engagement_rules, engaged, strict=True):
        if engagement_rule.cap is not None:
            micro = min(micro, to_micro(engagement_rule.cap))
        total += micro
        parts.append((ContributionKind.ENGAGEMENT, engagement_rule.touchpoint_type, micro))
    for negative_rule, micro in zip(config.negative_rules, penalised, strict=True):
        total += micro
        parts.append((ContributionKind.NEGATIVE, negative_rule.name, micro))
    for kind, rule_name, micro in parts:
        # Rules with nothing to show (no such touchpoints, or only ones so old
        # they round to 0.00) would only clutter the explanation.
        hundredths = micro_to_hundredths(micro)
        if hundredths:
            contributions.append(Contribution(kind=kind, rule=rule_name, points=hundredths / 100))
    engagement = min(100, micro_to_whole(max(0, total)))

    return ScoreResult(
        fit=fit,
        engagement=engagement,
        grade=grade_for(fit, engagement, config.grade_thresholds),
        contributions=tuple(contributions),
    )


def explanation_json(contributions: Iterable[Contribution]) -> str:
    """The stored form of a score's explanation: a compact JSON list of objects.

    ``[{"kind":"fit","rule":"Director","points":15.0}, ...]``; non-ASCII text is
    kept as is. The bulk engine produces exactly this text.
    """
    return json.dumps(
        [{"kind": str(c.kind), "rule": c.rule, "points": c.points} for c in contributions],
        ensure_ascii=False,
        separators=(",", ":"),
    )


# ---------------------------------------------------------------------------
# Defaults

_CORE_COUNTRIES = '("US", "CA", "GB", "IE", "DE", "FR", "NL", "AU")'

DEFAULT_CONFIG: Final = ScoringConfig(
    title_tables=DEFAULT_TITLE_TABLES,
    fit_rules=(
        FitRule(name="C-level or owner", condition='seniority in ("c_level", "owner")', points=25),
        FitRule(name="Vice president", condition='seniority == "vp"', points=22),
        FitRule(name="Director", condition='seniority == "director"', points=18),
        FitRule(name="Manager", condition='seniority == "manager"', points=10),
        FitRule(
            name="Buyer persona: marketing, sales or executive",
            condition='persona in ("marketing", "sales", "executive")',
            points=15,
        ),
        FitRule(
            name="Adjacent persona: operations or IT",
            condition='persona in ("operations", "it")',
            points=6,
        ),
        FitRule(
            name="Company size 1,000+",
            condition="employee_count >= 1000",
            points=20,
        ),
        FitRule(
            name="Company size 200-999",
            condition="employee_count >= 200 and employee_count < 1000",
            points=22,
        ),
        FitRule(
            name="Company size 50-199",
            condition="employee_count >= 50 and employee_count < 200",
            points=12,
        ),
        FitRule(
            name="Company size under 10",
            condition="employee_count < 10",
            points=-10,
        ),
        FitRule(
            name="Annual revenue $10M+",
            condition="annual_revenue >= 10000000",
            points=8,
        ),
        FitRule(
            name="Target industry",
            condition=(
                'industry in ("Software", "Financial services", "Professional services", "Media")'
            ),
            points=12,
        ),
        FitRule(
            name="Core market",
            condition=f"country in {_CORE_COUNTRIES} or account_country in {_CORE_COUNTRIES}",
            points=6,
        ),
        FitRule(
            name="Free email domain",
            condition="email_domain in free_email_domains",
            points=-15,
        ),
        FitRule(
            name="Student or intern",
            # "contains" is a substring test, so "intern" alone would also catch
            # "International"; the exact title and "internship" are safe.
            condition=(
                'job_title contains "student" or job_title contains "internship" '
                'or job_title == "intern"'
            ),
            points=-20,
        ),
    ),
    engagement_rules=(
        EngagementRule(touchpoint_type="demo_request", points=25),
        EngagementRule(touchpoint_type="trial_signup", points=20),
        EngagementRule(touchpoint_type="meeting", points=15),
        EngagementRule(touchpoint_type="webinar_attended", points=10),
        EngagementRule(touchpoint_type="event_attended", points=10),
        EngagementRule(touchpoint_type="content_download", points=8),
        EngagementRule(touchpoint_type="form_submit", points=8),
        EngagementRule(touchpoint_type="sales_call", points=5),
        EngagementRule(touchpoint_type="webinar_registered", points=3, cap=9),
        EngagementRule(touchpoint_type="email_click", points=3, cap=15),
        EngagementRule(touchpoint_type="ad_click", points=2, cap=6),
        EngagementRule(touchpoint_type="sales_email", points=1, cap=3),
        EngagementRule(touchpoint_type="page_view", points=1, cap=10),
        EngagementRule(touchpoint_type="email_open", points=0.5, cap=5),
    ),
    negative_rules=(
        NegativeRule(name="Careers page visit", url_contains="/careers", points=-5),
        NegativeRule(name="Unsubscribed", touchpoint_type="unsubscribe", points=-30),
    ),
    half_life_days=30.0,
    grade_thresholds=(75, 50, 25),
)
