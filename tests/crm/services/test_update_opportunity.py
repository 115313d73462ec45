from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.crm.models import Opportunity
from tandem.crm.services import update_opportunity
from tandem.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(account, rep):
    return Opportunity.objects.create(
        account=account, name="Deal", amount=Decimal("100"), owner=rep, created_at=timezone.now()
    )


def test_owner_moves_it_along(opportunity, rep):
    update_opportunity(
        opportunity, actor=rep, changes={"stage": "proposal", "amount": Decimal("120")}
    )

    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.stage, stored.amount, stored.outcome) == ("proposal", Decimal("120"), "open")


def test_closing_won_sets_the_outcome(opportunity, rep):
    update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})

    assert Opportunity.objects.get(pk=opportunity.pk).outcome == "won"


def test_closing_lost_needs_a_reason(opportunity, rep):
    with pytest.raises(InvalidInput) as refused:
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_lost"})

    assert refused.value.message == "A lost opportunity needs a lost reason."
    assert Opportunity.objects.get(pk=opportunity.pk).stage == "discovery"


def test_another_rep_cannot_touch_it(opportunity, make_user):
    with pytest.raises(Forbidden) as refused:
        update_opportunity(opportunity, actor=make_user("sales_rep"), changes={"name": "Mine"})

    assert refused.value.message == (
        "Your role (Sales rep) may not edit opportunity on records you do not own."
    )


def test_committee_is_replaced_and_none_leaves_it(opportunity, manager, make_contact):
    first, second = make_contact(), make_contact()
    update_opportunity(
        opportunity,
        actor=manager,
        changes={"committee": [{"contact_id": first.pk, "role": "user"}]},
    )

    update_opportunity(
        opportunity,
        actor=manager,
        changes={"committee": [{"contact_id": second.pk, "role": "champion"}]},
    )
    update_opportunity(opportunity, actor=manager, changes={"committee": None, "name": "Renamed"})

    assert list(opportunity.committee.values_list("contact", "role")) == [(second.pk, "champion")]
