"""Number formats of the closed-loop page: money, percentages with one decimal, days."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()

DASH = "—"


@register.filter
def percent(value: float | None) -> str:
    """A ratio (0..1) as a percentage with one decimal: 0.4123 -> "41.2%"."""
    if value is None:
        return DASH
    return f"{100 * value:.1f}%"


@register.filter
def money(value: float | None, currency: str = "") -> str:
    """A whole amount with thousands separators and its currency: "USD 19,438".

    The space is a non-breaking one, so a narrow column never splits code from amount.
    """
    if value is None:
        return DASH
    amount = f"{value:,.0f}"
    return f"{currency}\N{NO-BREAK SPACE}{amount}" if currency else amount


@register.filter
def days(value: float | None) -> str:
    """A duration in days with one decimal: "7.1 days"."""
    if value is None:
        return DASH
    return f"{value:,.1f} day" + ("" if round(value, 1) == 1 else "s")


@register.filter
def times(value: float | None) -> str:
    """A multiple such as return on cost: 3.25 -> "3.25x" (with a multiplication sign)."""
    if value is None:
        return DASH
    return f"{value:,.2f}\N{MULTIPLICATION SIGN}"


@register.filter
def count(value: float | None) -> str:
    """A count; fractional credit keeps one decimal."""
    if value is None:
        return DASH
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


@register.filter
def get_item(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping[key]`` in a template, or "" when it is missing."""
    return mapping.get(key, "")


@register.filter
def reached(group: Any, stage: str) -> int:
    """How many contacts of a funnel group reached ``stage``."""
    return int(group.reached(stage))
