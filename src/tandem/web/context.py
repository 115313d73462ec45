from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tandem.core.permissions import Action
from tandem.notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        ("home", "Home"),
        ("contacts", "Contacts"),
        ("opportunities", "Opportunities"),
        ("definitions", "Definitions"),
        ("scoring", "Scoring"),
    ]
    return {
        "nav_items": items,
        "can_admin": user.may(Action.MANAGE_USERS),
        # Counted only when a page shows the badge (htmx fragments do not).
        "inbox_unread": SimpleLazyObject(lambda: unread_count(user=user)),
    }
