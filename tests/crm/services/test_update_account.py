from __future__ import annotations

import pytest

from tandem.crm.models import Account
from tandem.crm.services import update_account
from tandem.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_changes_only_what_is_given(account, marketer):
    update_account(account, actor=marketer, changes={"industry": "Robotics", "domain": None})

    stored = Account.objects.get(pk=account.pk)
    assert (stored.name, stored.industry, stored.domain) == ("Acme", "Robotics", "")


def test_rep_edits_only_accounts_they_own(account, rep, make_user):
    Account.objects.filter(pk=account.pk).update(owner=make_user("sales_rep"))
    account.refresh_from_db()

    with pytest.raises(Forbidden) as refused:
        update_account(account, actor=rep, changes={"name": "Mine"})

    assert refused.value.message == (
        "Your role (Sales rep) may not edit account on records you do not own."
    )
    assert Account.objects.get(pk=account.pk).name == "Acme"


def test_manager_edits_any_account(account, manager):
    update_account(account, actor=manager, changes={"employee_count": 250})

    assert Account.objects.get(pk=account.pk).employee_count == 250


def test_unknown_owner_is_refused(account, marketer):
    with pytest.raises(InvalidInput) as refused:
        update_account(account, actor=marketer, changes={"owner_id": 999999})

    assert refused.value.field == "owner_id"
    assert refused.value.message == "No user with id 999999."
    assert Account.objects.get(pk=account.pk).owner is None
