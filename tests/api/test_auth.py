from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tandem.crm.models import Campaign
from tandem.people.models import ApiToken
from tandem.people.services import issue_token, revoke_token

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {
    "code": "unauthenticated",
    "message": "Send a valid API token as 'Authorization: Bearer <token>' or log in.",
}


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_no_token_is_401_in_json():
    response = Client().get("/api/v1/contacts")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == UNAUTHENTICATED


def test_unknown_token_is_401(marketer):
    response = _bearer("tdm_not-a-real-token").get("/api/v1/contacts")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_revoked_token_is_401(marketer):
    token, secret = issue_token(marketer, name="ci")
    assert _bearer(secret).get("/api/v1/me").status_code == 200

    revoke_token(token, user=marketer)

    response = _bearer(secret).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_token_of_a_deactivated_user_is_401(marketer):
    _, secret = issue_token(marketer, name="ci")
    marketer.is_active = False
    marketer.save()

    assert _bearer(secret).get("/api/v1/me").status_code == 401


def test_token_acts_as_its_user(api_as, rep):
    response = api_as(rep).get("/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": rep.pk,
        "username": "ray",
        "first_name": "Ray",
        "last_name": "",
        "email": "",
        "role": "sales_rep",
    }


def test_token_carries_its_users_permissions(api_as, rep):
    response = api_as(rep).post("/campaigns", {"name": "Launch", "channel": "email"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "Your role (Sales rep) may not edit campaign.",
    }
    assert Campaign.objects.count() == 0


def test_using_a_token_records_when_it_was_last_used(marketer):
    token, secret = issue_token(marketer, name="ci")
    assert token.last_used_at is None

    _bearer(secret).get("/api/v1/me")

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert (timezone.now() - token.last_used_at).total_seconds() < 60


def test_logged_in_browser_session_may_use_the_api(client, marketer):
    client.force_login(marketer)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["id"] == marketer.pk


def test_only_a_digest_of_the_token_is_stored(marketer):
    _, secret = issue_token(marketer, name="ci")

    stored = ApiToken.objects.get()
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert stored.prefix == secret[:10]
