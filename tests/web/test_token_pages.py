from __future__ import annotations

import pytest
from django.test import Client

from tandem.people.models import ApiToken, User


@pytest.mark.django_db
def test_a_new_token_is_shown_once_and_works_until_revoked(rep: User) -> None:
    browser = Client()
    browser.force_login(rep)
    page = browser.post("/settings/tokens/", {"name": "Website form sync"})
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("tdm_")
    assert secret in page.content.decode()
    token = ApiToken.objects.get(user=rep)
    assert secret not in (token.digest, token.prefix)  # only a fingerprint is stored

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me").json()["username"] == rep.username

    listing = browser.get("/settings/tokens/").content.decode()
    assert "Website form sync" in listing
    assert secret not in listing

    browser.post(f"/settings/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_nobody_can_revoke_someone_elses_token(rep: User, marketer: User) -> None:
    owner = Client()
    owner.force_login(rep)
    owner.post("/settings/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=rep)
    other = Client()
    other.force_login(marketer)
    response = other.post(f"/settings/tokens/{token.pk}/revoke/", follow=True)
    assert "No such token." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_a_token_needs_a_name(rep: User) -> None:
    browser = Client()
    browser.force_login(rep)
    response = browser.post("/settings/tokens/", {"name": "  "}, follow=True)
    assert "Give the token a name" in response.content.decode()
    assert ApiToken.objects.filter(user=rep).count() == 0
