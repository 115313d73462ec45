"""Reads of notifications. A user only ever sees their own."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from tandem.errors import NotFound
from tandem.notifications.models import Notification
from tandem.people.models import User


def inbox(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, unread first, newest first within each."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.annotate(
        is_unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ).order_by("-is_unread", "-created_at", "-id")


def notification_for_user(notification_id: int, *, user: User) -> Notification:
    """One of ``user``'s notifications; NotFound whether it is missing or someone else's."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(f"No notification with id {notification_id}.")
    return notification


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def not_yet_notified(users: Iterable[User], *, kind: str, key: str) -> list[User]:
    """The users in ``users`` without a notification of ``kind`` about ``key`` yet."""
    people = list(users)
    told = set(
        Notification.objects.filter(
            kind=kind, dedupe_key=key, recipient_id__in=[u.pk for u in people]
        ).values_list("recipient_id", flat=True)
    )
    return [u for u in people if u.pk not in told]
