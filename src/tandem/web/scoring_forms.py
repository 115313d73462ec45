"""The rules editor's form <-> the scoring configuration's dictionary form.

The form has one row per rule (plus blank rows to add more); a row left entirely blank
is dropped. Errors from the core name a path such as ``fit_rules[2].condition``; since
blank rows are dropped, ``row_of`` maps that index back to the row on screen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

BLANK_ROWS = 3
SECTIONS: dict[str, tuple[str, ...]] = {
    "fit_rules": ("name", "condition", "points"),
    "engagement_rules": ("touchpoint_type", "points", "cap"),
    "negative_rules": ("name", "touchpoint_type", "url_contains", "points"),
    "seniority": ("keywords", "value"),
    "persona": ("keywords", "value"),
}
_KEY = re.compile(r"^(\w+)-(\d+)-(\w+)$")


def _number(text: str) -> Any:
    """Numbers as numbers; anything else is passed on for the core to name as wrong."""
    text = text.strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def rows_from_post(post: QueryDict) -> dict[str, list[dict[str, str]]]:
    """The posted rows of every section, in screen order, blanks included."""
    found: dict[str, dict[int, dict[str, str]]] = {name: {} for name in SECTIONS}
    for key in post:
        value = post.get(key, "")
        match = _KEY.match(key)
        if match and match[1] in SECTIONS and match[3] in SECTIONS[match[1]]:
            found[match[1]].setdefault(int(match[2]), {})[match[3]] = value.strip()
    return {name: [rows[i] for i in sorted(rows)] for name, rows in found.items()}


def _filled(row: Mapping[str, str]) -> bool:
    return any(value for value in row.values())


def config_from_rows(rows: Mapping[str, list[dict[str, str]]], post: QueryDict) -> dict[str, Any]:
    def kept(section: str) -> list[dict[str, str]]:
        return [row for row in rows[section] if _filled(row)]

    return {
        "title_tables": {
            table: [
                {
                    "keywords": [
                        k.strip() for k in row.get("keywords", "").split(",") if k.strip()
                    ],
                    "value": row.get("value", ""),
                }
                for row in kept(table)
            ]
            for table in ("seniority", "persona")
        },
        "fit_rules": [
            {
                "name": row.get("name", ""),
                "condition": row.get("condition", ""),
                "points": _number(row.get("points", "")),
            }
            for row in kept("fit_rules")
        ],
        "engagement_rules": [
            {
                "touchpoint_type": row.get("touchpoint_type", ""),
                "points": _number(row.get("points", "")),
                "cap": _number(row["cap"]) if row.get("cap") else None,
            }
            for row in kept("engagement_rules")
        ],
        "negative_rules": [
            {
                "name": row.get("name", ""),
                "touchpoint_type": row.get("touchpoint_type") or None,
                "url_contains": row.get("url_contains") or None,
                "points": _number(row.get("points", "")),
            }
            for row in kept("negative_rules")
        ],
        "half_life_days": _number(post.get("half_life_days", "")),
        "grade_thresholds": [_number(post.get(f"threshold-{i}", "")) for i in range(3)],
    }


def rows_from_config(config: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Screen rows for a stored configuration, with blank rows to add more."""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    rows: dict[str, list[dict[str, str]]] = {
        "fit_rules": [{k: text(r[k]) for k in SECTIONS["fit_rules"]} for r in config["fit_rules"]],
        "engagement_rules": [
            {k: text(r[k]) for k in SECTIONS["engagement_rules"]}
            for r in config["engagement_rules"]
        ],
        "negative_rules": [
            {k: text(r[k]) for k in SECTIONS["negative_rules"]} for r in config["negative_rules"]
        ],
    }
    for table in ("seniority", "persona"):
        rows[table] = [
            {"keywords": ", ".join(r["keywords"]), "value": r["value"]}
            for r in config["title_tables"][table]
        ]
    return pad(rows)


def pad(rows: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    return {
        section: [row for row in rows.get(section, []) if _filled(row)]
        + [dict.fromkeys(fields, "") for _ in range(BLANK_ROWS)]
        for section, fields in SECTIONS.items()
    }


def row_of(path: str, rows: Mapping[str, list[dict[str, str]]]) -> tuple[str, int] | None:
    """(section, screen row) of an error path like ``fit_rules[2].condition``."""
    match = re.match(r"^(?:title_tables\.)?(\w+)\[(\d+)\]", path)
    if not match or match[1] not in rows:
        return None
    filled = [i for i, row in enumerate(rows[match[1]]) if _filled(row)]
    index = int(match[2])
    return (match[1], filled[index]) if index < len(filled) else None
