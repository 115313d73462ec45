from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.errors import NotFound
from tandem.notifications import selectors
from tandem.notifications.models import Notification
from tandem.notifications.services import mark_all_read, mark_read, notify

pytestmark = pytest.mark.django_db


def _notify(recipients, key="opportunity:1", **extra):  # type: ignore[no-untyped-def]
    extra.setdefault("title", "Won: Acme")
    return notify(recipients, kind="deal_won", key=key, body="Body", link="/x/", **extra)


def test_each_recipient_gets_one_notification(marketer, rep):
    created = _notify([marketer, rep], data={"model": "linear"})

    assert created == 2
    stored = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.kind, n.dedupe_key, n.title) for n in stored] == [
        (marketer.pk, "deal_won", "opportunity:1", "Won: Acme"),
        (rep.pk, "deal_won", "opportunity:1", "Won: Acme"),
    ]
    assert stored[0].data == {"model": "linear"}
    assert stored[0].read_at is None


def test_the_same_event_again_notifies_nobody_twice(marketer, rep):
    _notify([marketer])

    created = _notify([marketer, rep], title="Won again")

    assert created == 1
    assert Notification.objects.filter(recipient=marketer).count() == 1
    assert Notification.objects.get(recipient=marketer).title == "Won: Acme"
    assert Notification.objects.filter(recipient=rep).count() == 1


def test_a_recipient_listed_twice_is_notified_once(marketer):
    assert _notify([marketer, marketer]) == 1
    assert Notification.objects.count() == 1


def test_another_key_or_kind_is_another_notification(marketer):
    _notify([marketer], key="opportunity:1")
    _notify([marketer], key="opportunity:2")
    notify([marketer], kind="other", key="opportunity:1", title="Other")

    assert Notification.objects.filter(recipient=marketer).count() == 3


def test_no_recipients_is_a_no_op():
    assert _notify([]) == 0


def test_the_database_refuses_a_duplicate(marketer):
    _notify([marketer])

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=marketer, kind="deal_won", dedupe_key="opportunity:1", title="Dup"
        )


def test_mark_read_sets_the_time_once(marketer):
    _notify([marketer])
    notification = Notification.objects.get()

    first = mark_read(notification.pk, user=marketer).read_at
    again = mark_read(notification.pk, user=marketer).read_at

    assert first is not None
    assert again == first


def test_someone_elses_notification_is_not_found(marketer, rep):
    _notify([marketer])
    notification = Notification.objects.get()

    with pytest.raises(NotFound) as refused:
        mark_read(notification.pk, user=rep)

    assert refused.value.message == f"No notification with id {notification.pk}."
    assert Notification.objects.get().read_at is None


def test_mark_all_read_touches_only_the_users_unread(marketer, rep):
    _notify([marketer, rep], key="a")
    _notify([marketer], key="b")
    _notify([marketer], key="c")
    mark_read(Notification.objects.get(recipient=marketer, dedupe_key="c").pk, user=marketer)

    assert mark_all_read(user=marketer) == 2
    assert selectors.unread_count(user=marketer) == 0
    assert selectors.unread_count(user=rep) == 1


def test_inbox_lists_unread_first_then_newest(marketer, rep):
    now = timezone.now()
    for key, age in (("old-unread", 3), ("new-read", 1), ("newest-unread", 0), ("old-read", 5)):
        _notify([marketer], key=key)
        Notification.objects.filter(dedupe_key=key).update(created_at=now - timedelta(days=age))
    _notify([rep], key="someone-else")
    Notification.objects.filter(dedupe_key__in=["new-read", "old-read"]).update(read_at=now)

    keys = [n.dedupe_key for n in selectors.inbox(user=marketer)]
    unread = [n.dedupe_key for n in selectors.inbox(user=marketer, unread_only=True)]

    assert keys == ["newest-unread", "old-unread", "new-read", "old-read"]
    assert unread == ["newest-unread", "old-unread"]


def test_not_yet_notified_leaves_out_who_was_told(marketer, rep, manager):
    _notify([rep])

    assert selectors.not_yet_notified(
        [marketer, rep, manager], kind="deal_won", key="opportunity:1"
    ) == [marketer, manager]
