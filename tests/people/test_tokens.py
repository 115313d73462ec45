from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.errors import InvalidInput
from tandem.people.models import ApiToken, User
from tandem.people.services import (
    TOKEN_PREFIX,
    create_user,
    issue_token,
    revoke_token,
    user_for_token,
)

pytestmark = pytest.mark.django_db


def test_issued_token_finds_its_user(marketer):
    token, secret = issue_token(marketer, name="zapier")

    assert secret.startswith(TOKEN_PREFIX)
    assert len(secret) > 40
    assert token.name == "zapier"
    assert user_for_token(secret) == marketer


def test_each_token_is_different(marketer):
    _, first = issue_token(marketer, name="a")
    _, second = issue_token(marketer, name="b")

    assert first != second
    assert ApiToken.objects.filter(user=marketer).count() == 2


def test_secret_is_never_stored(marketer):
    _, secret = issue_token(marketer, name="ci")

    row = ApiToken.objects.values().get()
    assert secret not in {str(value) for value in row.values()}


def test_token_without_a_name_gets_a_default_one(marketer):
    token, _ = issue_token(marketer, name="")

    assert token.name == "API token"


@pytest.mark.parametrize("secret", ["", "tdm_", "tdm_unknown", "not-a-tandem-token"])
def test_unknown_secrets_find_nobody(marketer, secret):
    issue_token(marketer, name="ci")

    assert user_for_token(secret) is None


def test_revoked_token_finds_nobody(marketer):
    token, secret = issue_token(marketer, name="ci")

    revoke_token(token, user=marketer)

    assert token.revoked_at is not None
    assert user_for_token(secret) is None


def test_only_the_owner_may_revoke_a_token(marketer, rep):
    token, secret = issue_token(marketer, name="ci")

    with pytest.raises(InvalidInput) as refused:
        revoke_token(token, user=rep)

    assert refused.value.message == "This token does not belong to you."
    assert user_for_token(secret) == marketer


def test_token_of_a_deactivated_user_finds_nobody(marketer):
    _, secret = issue_token(marketer, name="ci")
    User.objects.filter(pk=marketer.pk).update(is_active=False)

    assert user_for_token(secret) is None


def test_last_use_is_recorded_at_most_once_a_minute(marketer):
    token, secret = issue_token(marketer, name="ci")
    user_for_token(secret)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    user_for_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    user_for_token(secret)
    token.refresh_from_db()
    assert first_use <= token.last_used_at <= timezone.now()


def test_create_user_refuses_an_unknown_role(db):
    with pytest.raises(InvalidInput) as refused:
        create_user(username="x", password="long-enough-pw", role="ceo")

    assert refused.value.field == "role"
    assert refused.value.message == (
        "Unknown role 'ceo'; expected one of marketing, sales_rep, sales_manager, admin."
    )
    assert User.objects.count() == 0


def test_create_user_refuses_a_taken_username_whatever_its_case(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_user(username="MARIA", password="long-enough-pw", role="admin")

    assert refused.value.field == "username"
    assert refused.value.message == "A user named 'MARIA' already exists."


def test_only_admins_get_the_django_admin(admin_user, manager):
    assert (admin_user.is_staff, admin_user.is_superuser) == (True, True)
    assert (manager.is_staff, manager.is_superuser) == (False, False)
    assert manager.role == "sales_manager"
    assert manager.check_password("correct-horse-battery") is True
