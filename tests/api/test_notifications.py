from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tandem.notifications.models import Notification
from tandem.notifications.services import notify

pytestmark = pytest.mark.django_db


def _note(user, key: str) -> Notification:  # type: ignore[no-untyped-def]
    notify(
        [user],
        kind="deal_won",
        key=key,
        title=f"Won: {key}",
        body="Marketing credit under Linear: ...",
        link="/opportunities/1/",
        data={"model": "linear"},
    )
    return Notification.objects.get(recipient=user, dedupe_key=key)


def test_lists_only_your_own_unread_first(api_as, marketer, rep):
    old = _note(marketer, "old")
    _note(marketer, "new")
    read = _note(marketer, "read")
    _note(rep, "theirs")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())

    response = api_as(marketer).get("/notifications")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [n["title"] for n in body["items"]] == ["Won: new", "Won: old", "Won: read"]
    first = body["items"][0]
    assert set(first) == {
        "id", "kind", "title", "body", "link", "data", "created_at", "read_at", "unread"
    }  # fmt: skip
    assert (first["kind"], first["link"], first["data"], first["unread"]) == (
        "deal_won",
        "/opportunities/1/",
        {"model": "linear"},
        True,
    )
    assert body["items"][2]["unread"] is False


def test_lists_only_unread_on_request(api_as, marketer):
    _note(marketer, "a")
    Notification.objects.filter(pk=_note(marketer, "b").pk).update(read_at=timezone.now())

    body = api_as(marketer).get("/notifications", {"unread": "true"}).json()

    assert [n["title"] for n in body["items"]] == ["Won: a"]


def test_list_is_paginated_like_the_others(api_as, marketer):
    for n in range(5):
        _note(marketer, f"k{n}")

    body = api_as(marketer).get("/notifications", {"limit": 2, "offset": 4}).json()

    assert body["count"] == 5
    assert len(body["items"]) == 1


def test_mark_one_read(api_as, marketer):
    note = _note(marketer, "a")

    response = api_as(marketer).post(f"/notifications/{note.pk}/read", {})

    assert response.status_code == 200
    assert response.json()["unread"] is False
    assert response.json()["read_at"] is not None
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_is_404_like_a_missing_one(api_as, marketer, rep):
    theirs = _note(rep, "theirs")
    api = api_as(marketer)

    response = api.post(f"/notifications/{theirs.pk}/read", {})
    missing = api.post("/notifications/999999/read", {})

    assert response.status_code == missing.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": f"No notification with id {theirs.pk}.",
    }
    assert missing.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_your_own(api_as, marketer, rep):
    _note(marketer, "a")
    _note(marketer, "b")
    _note(rep, "c")

    response = api_as(marketer).post("/notifications/read-all", {})
    again = api_as(marketer).post("/notifications/read-all", {})

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert again.json() == {"marked": 0}
    assert Notification.objects.get(recipient=rep).read_at is None


def test_needs_authentication(marketer):
    note = _note(marketer, "a")

    assert Client().get("/api/v1/notifications").status_code == 401
    assert Client().post(f"/api/v1/notifications/{note.pk}/read").status_code == 401
