from __future__ import annotations

import pytest

from tandem.crm.models import Account
from tandem.crm.services import create_account, update_account
from tandem.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_creates_with_normalised_domain_and_country(marketer):
    account = create_account(
        actor=marketer, data={"name": "Acme", "domain": " WWW.Acme.io ", "country": " fr "}
    )

    assert (account.domain, account.country, account.owner) == ("www.acme.io", "FR", None)


def test_rep_owns_the_account_they_create(rep):
    account = create_account(actor=rep, data={"name": "Acme"})

    assert account.owner == rep
    update_account(account, actor=rep, changes={"industry": "Robotics"})
    assert Account.objects.get(pk=account.pk).industry == "Robotics"


def test_rep_may_leave_a_new_account_unowned_on_purpose(rep):
    assert create_account(actor=rep, data={"name": "Acme", "owner_id": None}).owner is None


def test_manager_may_assign_the_owner(manager, rep):
    assert create_account(actor=manager, data={"name": "Acme", "owner_id": rep.pk}).owner == rep


def test_unknown_fields_are_refused(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_account(actor=marketer, data={"name": "Acme", "tier": "gold"})

    assert refused.value.message == "Unknown account field(s): tier."
    assert Account.objects.count() == 0


def test_invalid_values_are_named(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_account(actor=marketer, data={"name": "", "country": "FRA"})

    assert refused.value.extra["errors"] == [
        {"field": "name", "message": "This field cannot be blank."},
        {"field": "country", "message": "Ensure this value has at most 2 characters (it has 3)."},
    ]
    assert refused.value.message == "name: This field cannot be blank."
    assert Account.objects.count() == 0


def test_role_without_rights_cannot_create(make_user):
    nobody = make_user("marketing")
    nobody.is_active = False

    with pytest.raises(Forbidden):
        create_account(actor=nobody, data={"name": "Acme"})
