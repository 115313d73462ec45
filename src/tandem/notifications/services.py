"""Use cases for notifications: deliver them once, mark them read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.notifications.models import Notification
from tandem.notifications.selectors import notification_for_user
from tandem.people.models import User


@transaction.atomic
def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    link: str = "",
    data: Mapping[str, Any] | None = None,
) -> int:
    """Give each recipient one notification of ``kind`` about ``key``; return how many are new.

    Idempotent: a recipient who already has a notification of this kind and key gets
    nothing new, so a retried task or an event reported twice notifies once. A
    recipient listed twice is notified once.
    """
    wanted = {user.pk: user for user in recipients}
    if not wanted:
        return 0
    already = set(
        Notification.objects.filter(
            kind=kind, dedupe_key=key, recipient_id__in=list(wanted)
        ).values_list("recipient_id", flat=True)
    )
    fresh = [pk for pk in wanted if pk not in already]
    now = timezone.now()
    # ignore_conflicts absorbs a concurrent delivery of the same event between the
    # look-up above and this insert; the unique constraint keeps it to one row.
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                dedupe_key=key,
                title=title,
                body=body,
                link=link,
                data=dict(data or {}),
                created_at=now,
            )
            for pk in fresh
        ],
        ignore_conflicts=True,
    )
    return len(fresh)


def mark_read(notification_id: int, *, user: User) -> Notification:
    """Mark one of ``user``'s notifications read (again is harmless).

    Raises NotFound for a missing notification and for someone else's alike.
    """
    notification = notification_for_user(notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; return how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
