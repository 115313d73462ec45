"""Rule-based lead scoring for every contact at once, in DuckDB over Arrow tables.

:func:`score_all` gives, for every contact, exactly what
:func:`tandem.core.scoring.score_contact` gives for that contact alone: the same
fit and engagement scores, the same grade and the same explanation text (see
:func:`tandem.core.scoring.explanation_json`). It compiles the configuration to
one SQL query, so nothing loops over contacts in Python:

* title classification is a ``CASE`` of substring tests on the title's folded,
  space-separated words, run once per distinct title among contacts with a
  blank seniority or persona, and joined back;
* fit rules are compiled by :func:`tandem.analytics.condition_sql.condition_to_sql`,
  over a copy of each text column case-folded once; each contact is then reduced
  to a key (which rules it meets, which values were derived), and the fit score
  and the fit half of the explanation are built once per distinct key;
* each touchpoint's decayed worth is computed with the same IEEE operations as
  the reference and rounded to whole micro-points, so the per-contact sums (one
  filtered ``SUM`` per rule, in a single ``GROUP BY``) are exact integers,
  whatever order DuckDB adds them in;
* caps are ``LEAST``; the explanation JSON is assembled from fragments whose
  text is fixed in Python (rule names escaped by :func:`json.dumps`), with the
  points written from integer hundredths.

Inputs (Arrow tables, or anything DuckDB can scan, such as a dataset):

* ``contacts``: ``contact_id`` (integer, unique) and any condition fields named
  as in :data:`tandem.core.contact_fields.FIELDS`; text as strings, numbers as
  integers, floats or decimals, flags as booleans. ``job_title``, ``seniority``
  and ``persona`` must be strings when present.
* ``touchpoints``: ``contact_id``, ``type`` (string), ``occurred_at`` (timestamp
  with a time zone) and optionally ``url`` (string, null read as ""). Rows with
  a null ``contact_id``, ``type`` or ``occurred_at`` are ignored, as are
  touchpoints of contacts not in ``contacts``. Times count to the microsecond.

Output: one row per contact, in no particular order (sorting a million rows of
explanations costs more than most callers need), with the columns of
:data:`OUTPUT_SCHEMA`.

DuckDB runs the query on all cores and spills to disk beyond its memory limit;
the inputs are scanned in place, without copies. For a million contacts and ten
million touchpoints it needs a few GiB beyond the inputs themselves;
:func:`score_batches` streams the result instead of building one table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from tandem.analytics.condition_sql import (
    casefold_sql,
    column_types,
    condition_to_sql,
    quote_ident,
    re2_class,
    sql_string,
)
from tandem.core.conditions import fields_used
from tandem.core.contact_fields import NAMED_LISTS
from tandem.core.scoring import (
    MICRO,
    TITLE_SEPARATOR_RANGES,
    ContributionKind,
    ScoringConfig,
    TitleRule,
    to_micro,
)

__all__ = ["OUTPUT_SCHEMA", "score_all", "score_batches"]

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.int64()),
        pa.field("fit_score", pa.int32()),
        pa.field("engagement_score", pa.int32()),
        pa.field("grade", pa.string()),
        pa.field("explanation", pa.string()),
    ]
)

# Internal column names start with this; contact columns may not.
_PREFIX = "__tandem_"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TEXT_TYPES = ("VARCHAR", "NULL", '"NULL"')
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
)


def score_all(
    config: ScoringConfig,
    contacts: Any,
    touchpoints: Any,
    *,
    now: datetime,
    con: duckdb.DuckDBPyConnection | None = None,
    lists: Mapping[str, Collection[object]] = NAMED_LISTS,
) -> pa.Table:
    """Score every contact; one row per contact, in no particular order.

    ``now`` must be timezone-aware. ``con`` is a DuckDB connection to run on
    (its settings, such as ``threads`` and ``memory_limit``, apply); by default
    a fresh in-memory database. Raises ``ValueError`` for missing or mistyped
    input columns.
    """
    with _Session(config, contacts, touchpoints, now=now, con=con, lists=lists) as session:
        table: pa.Table = session.cursor.sql(session.sql).to_arrow_table()
    return table.cast(OUTPUT_SCHEMA)


def score_batches(
    config: ScoringConfig,
    contacts: Any,
    touchpoints: Any,
    *,
    now: datetime,
    con: duckdb.DuckDBPyConnection | None = None,
    lists: Mapping[str, Collection[object]] = NAMED_LISTS,
    batch_size: int = 100_000,
) -> Iterator[pa.RecordBatch]:
    """Like :func:`score_all`, but yields the result in record batches as DuckDB produces them."""
    with _Session(config, contacts, touchpoints, now=now, con=con, lists=lists) as session:
        reader: pa.RecordBatchReader = session.cursor.sql(session.sql).to_arrow_reader(batch_size)
        for batch in reader:
            yield batch.cast(OUTPUT_SCHEMA)


class _Session:
    """Registers the inputs on a private cursor and builds the query; cleans up on exit."""

    def __init__(
        self,
        config: ScoringConfig,
        contacts: Any,
        touchpoints: Any,
        *,
        now: datetime,
        con: duckdb.DuckDBPyConnection | None,
        lists: Mapping[str, Collection[object]],
    ) -> None:
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        self.owned = con is None
        self.con = con if con is not None else duckdb.connect()
        # A cursor is a separate connection to the same database: the inputs
        # registered on it, and its unfinished results, stay out of the caller's way.
        self.cursor = self.con.cursor()
        suffix = uuid.uuid4().hex
        self.contacts_view = f"tandem_contacts_{suffix}"
        self.touchpoints_view = f"tandem_touchpoints_{suffix}"
        try:
            self.cursor.register(self.contacts_view, contacts)
            self.cursor.register(self.touchpoints_view, touchpoints)
            self.sql = _Query(
                config,
                contact_types=column_types(self.cursor, quote_ident(self.contacts_view)),
                touchpoint_types=column_types(self.cursor, quote_ident(self.touchpoints_view)),
                contacts=quote_ident(self.contacts_view),
                touchpoints=quote_ident(self.touchpoints_view),
                now_us=(now - _EPOCH) // timedelta(microseconds=1),
                lists=lists,
            ).sql()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.cursor.close()
        if self.owned:
            self.con.close()


def _is_text(sql_type: str) -> bool:
    return sql_type in _TEXT_TYPES or sql_type.startswith("ENUM")


def _double(value: float) -> str:
    return f"CAST({sql_string(repr(float(value)))} AS DOUBLE)"


def _hundredths(micro: str, *, negative: bool) -> str:
    """SQL for :func:`tandem.core.scoring.micro_to_hundredths`: floor division, exactly.

    DuckDB's ``//`` truncates towards zero, which is floor division only for
    values that cannot be negative.
    """
    shifted = f"({micro} + 5000)"
    if not negative:
        return f"({shifted} // 10000)"
    return (
        f"(CASE WHEN {shifted} >= 0 THEN {shifted} // 10000 "
        f"ELSE -((-{shifted} + 9999) // 10000) END)"
    )


def _points_text(hundredths: str) -> str:
    """JSON text of ``hundredths / 100`` exactly as Python's json writes that float.

    Both sides divide the same integer, exactly representable as a double, by
    100 with one correctly rounded division, and DuckDB writes doubles in the
    same shortest round-trip form as Python's repr (25.0, 2.5, 0.05, -1.25).
    That holds while the integer is below 2**53, which hundredths of points
    summed from at most 1,000 points per touchpoint cannot reach.
    """
    return f"CAST(CAST({hundredths} AS DOUBLE) / {_double(100.0)} AS VARCHAR)"


def _fragment_prefix(kind: ContributionKind, rule: str) -> str:
    # Exactly what explanation_json writes before the points of one contribution.
    return (
        '{"kind":'
        + json.dumps(str(kind))
        + ',"rule":'
        + json.dumps(rule, ensure_ascii=False)
        + ',"points":'
    )


def _fragment(kind: ContributionKind, rule: str, points: float) -> str:
    return _fragment_prefix(kind, rule) + json.dumps(float(points)) + "}"


class _Query:
    def __init__(
        self,
        config: ScoringConfig,
        *,
        contact_types: Mapping[str, str],
        touchpoint_types: Mapping[str, str],
        contacts: str,
        touchpoints: str,
        now_us: int,
        lists: Mapping[str, Collection[object]],
    ) -> None:
        self.config = config
        self.contact_types = dict(contact_types)
        self.touchpoint_types = dict(touchpoint_types)
        self.contacts = contacts
        self.touchpoints = touchpoints
        self.now_us = now_us
        self.lists = lists
        self.check_inputs()

    def check_inputs(self) -> None:
        contact_types = self.contact_types
        if "contact_id" not in contact_types:
            raise ValueError("contacts need a contact_id column")
        for name, sql_type in contact_types.items():
            if name.startswith(_PREFIX):
                raise ValueError(f"contact column {name!r} uses the reserved prefix {_PREFIX!r}")
            if name in ("job_title", "seniority", "persona") and not _is_text(sql_type):
                raise ValueError(f"contacts.{name} must be text, not {sql_type}")
        if contact_types["contact_id"] not in _INTEGER_TYPES:
            raise ValueError(
                f"contacts.contact_id must be an integer, not {contact_types['contact_id']}"
            )
        required = {"contact_id": "integer", "type": "text", "occurred_at": "timestamptz"}
        for name, kind in required.items():
            found = self.touchpoint_types.get(name)
            if found is None:
                raise ValueError(f"touchpoints need a {name} column")
            if kind == "integer" and found not in _INTEGER_TYPES:
                raise ValueError(f"touchpoints.{name} must be an integer, not {found}")
            if kind == "text" and not _is_text(found):
                raise ValueError(f"touchpoints.{name} must be text, not {found}")
            if kind == "timestamptz" and found != "TIMESTAMP WITH TIME ZONE":
                raise ValueError(
                    f"touchpoints.occurred_at must be a timestamp with a time zone, not {found}"
                )
        url_type = self.touchpoint_types.get("url")
        if url_type is not None and not _is_text(url_type):
            raise ValueError(f"touchpoints.url must be text, not {url_type}")

    # -- contacts

    def title_case(self, padded_title: str, rules: tuple[TitleRule, ...]) -> str:
        if not rules:
            return "CAST(NULL AS VARCHAR)"
        branches = " ".join(
            "WHEN "
            + " OR ".join(f"contains({padded_title}, {sql_string(p)})" for p in rule.patterns)
            + f" THEN {sql_string(rule.value)}"
            for rule in rules
        )
        return f"(CASE {branches} END)"

    def contacts_sql(self) -> tuple[str, dict[str, str]]:
        """The contacts with derived values filled in, and the resulting column types."""
        types = self.contact_types
        text = {name: "VARCHAR" for name, t in types.items() if _is_text(t)}
        # ENUM (from dictionary-encoded Arrow) and all-null columns become plain text.
        casts = ", ".join(
            f"CAST({quote_ident(name)} AS VARCHAR) AS {quote_ident(name)}"
            for name in text
            if types[name] != "VARCHAR"
        )
        base = (
            f"SELECT * REPLACE ({casts}) FROM {self.contacts}"
            if casts
            else (f"SELECT * FROM {self.contacts}")
        )
        types = {**types, **text}

        def blank(name: str) -> str:
            if name not in types:
                return "TRUE"
            column = quote_ident(name)
            return f"({column} IS NULL OR {column} = '')"

        derive = f"({blank('seniority')} OR {blank('persona')})"
        tables = self.config.title_tables
        seniority, persona = f"{_PREFIX}derived_seniority", f"{_PREFIX}derived_persona"
        if "job_title" in types:
            # Titles repeat a lot, so each distinct title (of a contact with
            # something to derive) is tokenised and classified once, then joined.
            title = quote_ident("job_title")
            separators = sql_string(re2_class(TITLE_SEPARATOR_RANGES) + "+")
            padded = (
                f"(' ' || regexp_replace({casefold_sql(title)}, {separators}, ' ', 'g') || ' ')"
            )
            distinct = f"SELECT DISTINCT {title} FROM base WHERE {derive} AND {title} IS NOT NULL"
            classified = (
                f"SELECT {title}, {self.title_case('padded', tables.seniority)} AS {seniority}, "
                f"{self.title_case('padded', tables.persona)} AS {persona} "
                f"FROM (SELECT {title}, {padded} AS padded FROM ({distinct}))"
            )
            with_derived = (
                f"WITH base AS NOT MATERIALIZED ({base}) SELECT base.*, "
                f"CASE WHEN {derive} THEN k.{seniority} END AS {seniority}, "
                f"CASE WHEN {derive} THEN k.{persona} END AS {persona} "
                f"FROM base LEFT JOIN ({classified}) k ON base.{title} = k.{title}"
            )
        else:
            with_derived = (
                f"SELECT *, CAST(NULL AS VARCHAR) AS {seniority}, "
                f"CAST(NULL AS VARCHAR) AS {persona} FROM ({base})"
            )
        replaced: list[str] = []
        added: list[str] = []
        for name in ("seniority", "persona"):
            value = f"{_PREFIX}derived_{name}"
            note = f"CASE WHEN {blank(name)} THEN {value} END AS {_PREFIX}note_{name}"
            added.append(note)
            if name in types:
                replaced.append(
                    f"CASE WHEN {blank(name)} AND {value} IS NOT NULL THEN {value} "
                    f"ELSE {quote_ident(name)} END AS {quote_ident(name)}"
                )
            else:
                added.append(f"{value} AS {quote_ident(name)}")
                types[name] = "VARCHAR"
        replace = f" REPLACE ({', '.join(replaced)})" if replaced else ""
        sql = f"SELECT *{replace}, {', '.join(added)} FROM ({with_derived})"
        return sql, types

    def fit_sql(self) -> str:
        """contact_id, the derived-value notes, and one boolean per fit rule."""
        source, types = self.contacts_sql()
        used = set().union(*(fields_used(rule.tree) for rule in self.config.fit_rules))
        folded_fields = sorted(f for f in used if types.get(f) == "VARCHAR")
        fold_names = {f: f"{_PREFIX}fold_{i}" for i, f in enumerate(folded_fields)}
        folds = "".join(
            f", {casefold_sql(quote_ident(f))} AS {quote_ident(fold_names[f])}"
            for f in folded_fields
        )
        rules = "".join(
            ", "
            + condition_to_sql(
                rule.tree,
                types=types,
                lists=self.lists,
                folded=lambda field: quote_ident(fold_names[field]),
            )
            + f" AS {_PREFIX}fit_{i}"
            for i, rule in enumerate(self.config.fit_rules)
        )
        return (
            f"SELECT CAST(contact_id AS BIGINT) AS contact_id, {_PREFIX}note_seniority, "
            f"{_PREFIX}note_persona{rules} FROM (SELECT *{folds} FROM ({source}))"
        )

    # -- touchpoints

    def engagement_sql(self) -> str | None:
        """Per contact: micro-point sums per engagement rule and per negative rule."""
        config = self.config
        if not config.engagement_rules and not config.negative_rules:
            return None
        age = f"GREATEST({self.now_us} - epoch_us(occurred_at), 0)"
        # The same operations, in the same order, as tandem.core.scoring.decay_factor.
        decay = (
            f"pow({_double(0.5)}, (CAST({age} AS DOUBLE) / {_double(86_400_000_000.0)}) "
            f"/ {_double(config.half_life_days)})"
        )
        has_url = "url" in self.touchpoint_types
        url = "CAST(url AS VARCHAR)" if has_url else "''"
        needs_url = any(r.url_contains is not None for r in config.negative_rules)
        url_fold = ""
        if needs_url:
            # A NULL URL stays NULL, and contains() on it is NULL: not matched,
            # just as the reference finds nothing in "".
            url_fold = f", {casefold_sql(url)} AS url_folded"
        rules = config.engagement_rules
        # Rules by position, so that each sum below tests a small integer rather
        # than comparing strings.
        rule_of_type = (
            "CASE CAST(type AS VARCHAR) "
            + " ".join(
                f"WHEN {sql_string(r.touchpoint_type)} THEN {i}" for i, r in enumerate(rules)
            )
            + " END"
            if rules
            else "CAST(NULL AS INTEGER)"
        )
        rows = (
            f"SELECT contact_id, CAST(type AS VARCHAR) AS type, {rule_of_type} AS rule, "
            f"{decay} AS decay{url_fold} FROM {self.touchpoints} "
            f"WHERE contact_id IS NOT NULL AND type IS NOT NULL AND occurred_at IS NOT NULL"
        )

        def micro(points: str) -> str:
            # Same operations and order as tandem.core.scoring.micro_points.
            worth = f"{points} * decay * {_double(1e6)} + {_double(0.5)}"
            return f"CAST(floor({worth}) AS BIGINT)"

        points_of_rule = (
            "CASE rule "
            + " ".join(f"WHEN {i} THEN {_double(r.points)}" for i, r in enumerate(rules))
            + " END"
        )
        columns = ["contact_id", "rule", "type", "decay"] + (["url_folded"] if needs_url else [])
        with_micro = f"SELECT {', '.join(columns)}, {micro(points_of_rule)} AS micro FROM ({rows})"
        if not rules:
            with_micro = f"SELECT *, CAST(NULL AS BIGINT) AS micro FROM ({rows})"

        sums = [
            f"SUM(micro) FILTER (WHERE rule = {i}) AS {_PREFIX}eng_{i}" for i in range(len(rules))
        ]
        for j, negative in enumerate(config.negative_rules):
            tests = []
            if negative.touchpoint_type is not None:
                tests.append(f"type = {sql_string(negative.touchpoint_type)}")
            if negative.url_contains is not None:
                tests.append(
                    f"contains(url_folded, {sql_string(negative.url_contains.casefold())})"
                )
            sums.append(
                f"SUM({micro(_double(negative.points))}) FILTER (WHERE {' AND '.join(tests)}) "
                f"AS {_PREFIX}neg_{j}"
            )
        return (
            f"SELECT CAST(contact_id AS BIGINT) AS contact_id, {', '.join(sums)} "
            f"FROM ({with_micro}) GROUP BY contact_id"
        )

    # -- together

    def fit_texts(self) -> tuple[str, str]:
        """SQL for each contact's fit key, and for a key's fit score and explanation part.

        Contacts are reduced to a key saying which fit rules they meet and which
        values were derived from their title. Few distinct keys exist, so the fit
        score and the fit half of the explanation are built once per key.
        """
        config = self.config
        p = _PREFIX
        n = len(config.fit_rules)
        notes = {
            "seniority": sorted({r.value for r in config.title_tables.seniority}),
            "persona": sorted({r.value for r in config.title_tables.persona}),
        }
        shift = {"seniority": n, "persona": n + len(notes["seniority"]).bit_length()}
        width = shift["persona"] + len(notes["persona"]).bit_length()
        # MAX_FIT_RULES keeps the key within a HUGEINT.
        key_type = "BIGINT" if width <= 62 else "HUGEINT"
        terms = [f"CASE WHEN {p}fit_{i} THEN {2**i} ELSE 0 END" for i in range(n)]
        for name, values in notes.items():
            if values:
                whens = " ".join(
                    f"WHEN {sql_string(v)} THEN {(k + 1) * 2 ** shift[name]}"
                    for k, v in enumerate(values)
                )
                terms.append(f"CASE {p}note_{name} {whens} ELSE 0 END")
        key = f"CAST({' + '.join(terms) or '0'} AS {key_type})"

        def bit(i: int) -> str:
            return f"(key // {2**i}) % 2 = 1"

        items: list[str] = []
        for name, values in notes.items():
            if values:
                whens = " ".join(
                    f"WHEN {k + 1} THEN "
                    + sql_string(_fragment(ContributionKind.FIT, f"title → {name} {v}", 0.0))
                    for k, v in enumerate(values)
                )
                field = f"(key // {2 ** shift[name]}) % {2 ** len(values).bit_length()}"
                items.append(f"CASE {field} {whens} END")
        for i, rule in enumerate(config.fit_rules):
            fragment = _fragment(ContributionKind.FIT, rule.name, rule.points)
            items.append(f"CASE WHEN {bit(i)} THEN {sql_string(fragment)} END")
        fit_sum = " + ".join(
            f"CASE WHEN {bit(i)} THEN {rule.points} ELSE 0 END"
            for i, rule in enumerate(config.fit_rules)
        )
        text = f"NULLIF(concat_ws(',', {', '.join(items)}), '')" if items else "NULL"
        per_key = (
            f"SELECT key, GREATEST(0, LEAST(100, {fit_sum or '0'})) AS fit_score, "
            f"CAST({text} AS VARCHAR) AS fit_text FROM (SELECT DISTINCT key FROM keyed)"
        )
        return key, per_key

    def sql(self) -> str:
        config = self.config
        engagement = self.engagement_sql()
        p = _PREFIX
        key, per_key = self.fit_texts()
        keyed = f"SELECT contact_id, {key} AS key FROM ({self.fit_sql()})"

        # Layer 1: fit per key, capped sums in micro-points (NULL: nothing matched).
        capped = []
        for i, rule in enumerate(config.engagement_rules):
            value = f"e.{p}eng_{i}"
            if rule.cap is not None:
                # LEAST ignores NULLs, and NULL ("no such touchpoints") must stay NULL.
                value = (
                    f"CASE WHEN {value} IS NOT NULL THEN LEAST({value}, {to_micro(rule.cap)}) END"
                )
            capped.append(f", {value} AS {p}eng_{i}")
        capped += [f", e.{p}neg_{j} AS {p}neg_{j}" for j in range(len(config.negative_rules))]
        layer1 = (
            f"WITH keyed AS ({keyed}) "
            f"SELECT k.contact_id, f.fit_score, f.fit_text{''.join(capped)} FROM keyed k "
            f"JOIN ({per_key}) f ON k.key = f.key"
        )
        if engagement is not None:
            layer1 += f" LEFT JOIN ({engagement}) e ON k.contact_id = e.contact_id"

        # Layer 2: engagement, and hundredths for the explanation.
        micro_columns = [f"{p}eng_{i}" for i in range(len(config.engagement_rules))]
        micro_columns += [f"{p}neg_{j}" for j in range(len(config.negative_rules))]
        total = " + ".join(f"COALESCE({c}, 0)" for c in micro_columns) or "0"
        may_be_negative = [r.points < 0 for r in config.engagement_rules]
        may_be_negative += [True] * len(config.negative_rules)
        hundredths = "".join(
            f", {_hundredths(c, negative=n)} AS {c}_h"
            for c, n in zip(micro_columns, may_be_negative, strict=True)
        )
        layer2 = (
            f"SELECT contact_id, fit_score, fit_text, "
            f"LEAST(100, (GREATEST({total}, 0) + {MICRO // 2}) // {MICRO}) AS engagement_score"
            f"{hundredths} FROM ({layer1})"
        )

        # Layer 3: grade and explanation.
        first, second, third = config.grade_thresholds

        def band(score: str, marks: str) -> str:
            return (
                f"CASE WHEN {score} >= {first} THEN '{marks[0]}' WHEN {score} >= {second} "
                f"THEN '{marks[1]}' WHEN {score} >= {third} THEN '{marks[2]}' ELSE '{marks[3]}' END"
            )

        items = ["fit_text"]
        for i, engagement_rule in enumerate(config.engagement_rules):
            prefix = _fragment_prefix(ContributionKind.ENGAGEMENT, engagement_rule.touchpoint_type)
            items.append(self.points_item(f"{p}eng_{i}", prefix))
        for j, negative in enumerate(config.negative_rules):
            prefix = _fragment_prefix(ContributionKind.NEGATIVE, negative.name)
            items.append(self.points_item(f"{p}neg_{j}", prefix))
        # concat() is cheaper than chains of ||, and concat_ws skips NULL items.
        explanation = f"concat('[', concat_ws(',', {', '.join(items)}), ']')"
        return (
            f"SELECT contact_id, CAST(fit_score AS INTEGER) AS fit_score, "
            f"CAST(engagement_score AS INTEGER) AS engagement_score, "
            f"{band('fit_score', 'ABCD')} || {band('engagement_score', '1234')} AS grade, "
            f"{explanation} AS explanation FROM ({layer2})"
        )

    @staticmethod
    def points_item(column: str, prefix: str) -> str:
        return (
            f"CASE WHEN {column}_h <> 0 THEN "
            f"concat({sql_string(prefix)}, {_points_text(column + '_h')}, '}}') END"
        )
