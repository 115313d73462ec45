from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tandem.core.permissions import Action


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        ("home", "Home"),
        ("contacts", "Contacts"),
        ("definitions", "Definitions"),
        ("scoring", "Scoring"),
    ]
    return {
        "nav_items": items,
        "can_admin": user.may(Action.MANAGE_USERS),
    }
