from __future__ import annotations

import re

import pytest
from django.test import Client

from tandem.notifications.models import Notification
from tandem.notifications.services import notify

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def _badge(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(
        r'<span id="inbox-badge" class="badge"[^>]*>(.*?)</span>(?:</span>)?', _text(response)
    )
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def _note(user, key: str, *, title: str = "", link: str = "/opportunities/") -> Notification:  # type: ignore[no-untyped-def]
    notify(
        [user],
        kind="deal_won",
        key=key,
        title=title or f"Won: {key}",
        body=f"Body of {key}",
        link=link,
    )
    return Notification.objects.get(recipient=user, dedupe_key=key)


def test_inbox_renders_for_every_role(browser_as, any_role):
    _note(any_role, "deal-1")

    response = browser_as(any_role).get("/inbox/")

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Inbox</h1>" in text
    assert "Won: deal-1" in text
    assert "Body of deal-1" in text


def test_empty_inbox_says_what_will_arrive(browser_as, marketer):
    text = _text(browser_as(marketer).get("/inbox/"))

    assert "Nothing here yet." in text
    assert "Mark all read" not in text


def test_inbox_shows_only_your_own(browser_as, marketer, rep):
    _note(marketer, "mine")
    _note(rep, "theirs")

    text = _text(browser_as(marketer).get("/inbox/"))

    assert "Won: mine" in text
    assert "Won: theirs" not in text


def test_unread_come_first(browser_as, marketer):
    first = _note(marketer, "first")
    _note(marketer, "second")
    _note(marketer, "third")
    Notification.objects.filter(dedupe_key="third").update(read_at=first.created_at)

    text = _text(browser_as(marketer).get("/inbox/"))

    titles = re.findall(r'class="note-title" href="[^"]+">Won: (\w+)', text)
    assert titles[:3] == ["second", "first", "third"]


def test_nav_has_an_inbox_link_with_the_unread_count(browser_as, marketer, rep):
    _note(marketer, "a")
    _note(marketer, "b")
    _note(rep, "c")

    response = browser_as(marketer).get("/contacts/")

    assert 'href="/inbox/"' in _text(response)
    assert _badge(response) == "2 unread"


def test_no_badge_without_unread(browser_as, marketer):
    response = browser_as(marketer).get("/")

    assert _badge(response) == ""


def test_mark_read_then_it_is_not_counted(browser_as, marketer):
    note = _note(marketer, "a")
    _note(marketer, "b")
    client = browser_as(marketer)

    response = client.post(f"/inbox/{note.pk}/read/", follow=True)

    assert response.redirect_chain == [("/inbox/", 302)]
    note.refresh_from_db()
    assert note.read_at is not None
    assert _badge(response) == "1 unread"


def test_htmx_mark_read_returns_the_row_and_the_badge(browser_as, marketer):
    note = _note(marketer, "a")
    _note(marketer, "b")

    response = browser_as(marketer).post(f"/inbox/{note.pk}/read/", HTTP_HX_REQUEST="true")

    text = _text(response).strip()
    assert text.startswith(f'<li id="notification-{note.pk}" class="note">')
    assert "<html" not in text
    assert "Mark read" not in text
    assert 'id="inbox-badge" class="badge" hx-swap-oob="true"' in text
    assert _badge(response) == "1 unread"


def test_mark_all_read(browser_as, marketer, rep):
    _note(marketer, "a")
    _note(marketer, "b")
    _note(rep, "c")

    response = browser_as(marketer).post("/inbox/read-all/", follow=True)

    assert "Marked 2 notifications read." in _text(response)
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert _badge(response) == ""


def test_someone_elses_notification_is_not_found(browser_as, marketer, rep):
    theirs = _note(rep, "theirs")
    client = browser_as(marketer)

    for response in (
        client.post(f"/inbox/{theirs.pk}/read/"),
        client.get(f"/inbox/{theirs.pk}/open/"),
        client.post("/inbox/999999/read/"),
    ):
        assert response.status_code == 404
        assert "No notification with id" in _text(response)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_follows_the_link_and_marks_it_read(browser_as, marketer):
    note = _note(marketer, "a", link="/opportunities/")

    response = browser_as(marketer).get(f"/inbox/{note.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/opportunities/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_never_leaves_the_site(browser_as, marketer):
    note = _note(marketer, "a", link="https://evil.example/")

    response = browser_as(marketer).get(f"/inbox/{note.pk}/open/")

    assert response["Location"] == "/inbox/"


def test_marking_read_needs_post_and_the_csrf_token(marketer):
    note = _note(marketer, "a")
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)

    assert client.get(f"/inbox/{note.pk}/read/").status_code == 405
    assert client.post(f"/inbox/{note.pk}/read/").status_code == 403
    assert client.post("/inbox/read-all/").status_code == 403
    note.refresh_from_db()
    assert note.read_at is None


def test_inbox_pages_by_fifty(browser_as, marketer):
    for n in range(51):
        _note(marketer, f"k{n}")

    first = browser_as(marketer).get("/inbox/")
    second = browser_as(marketer).get("/inbox/?page=2")

    assert _text(first).count('class="note unread"') == 50
    assert "Page 1 of 2" in _text(first)
    assert _text(second).count('class="note unread"') == 1
