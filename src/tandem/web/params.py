"""Reading list-page parameters the same way on every page."""

from __future__ import annotations

from django.http import HttpRequest

# What a database integer column holds: a larger number would overflow the query.
_LIMIT = 2**63


def fragment(request: HttpRequest, template: str, name: str) -> str:
    """The template, or only its ``name`` partial when htmx asks for a swap."""
    return f"{template}#{name}" if request.htmx else template  # type: ignore[attr-defined]


def int_or_none(raw: str | None) -> int | None:
    """A whole number the database can compare with, or None (no filter) otherwise."""
    try:
        number = int(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and -_LIMIT < number < _LIMIT else None
