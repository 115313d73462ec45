from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tandem.crm.models import Opportunity, OpportunityContact
from tandem.crm.services import create_opportunity
from tandem.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_creator_owns_it_by_default(rep, account):
    opportunity = create_opportunity(
        actor=rep, data={"account_id": account.pk, "name": "Deal", "amount": Decimal("10")}
    )

    assert opportunity.owner == rep
    assert (opportunity.stage, opportunity.outcome, opportunity.currency) == (
        "discovery",
        "open",
        "USD",
    )


def test_keeps_a_given_creation_time(manager, account):
    at = datetime(2025, 12, 1, tzinfo=UTC)

    opportunity = create_opportunity(
        actor=manager,
        data={"account_id": account.pk, "name": "Deal", "amount": Decimal("1"), "created_at": at},
    )

    assert Opportunity.objects.get(pk=opportunity.pk).created_at == at


def test_account_is_required(rep):
    with pytest.raises(InvalidInput) as refused:
        create_opportunity(actor=rep, data={"name": "Deal", "amount": Decimal("1")})

    assert refused.value.field == "account_id"
    assert refused.value.message == "An opportunity needs an account."


def test_lost_without_a_reason_is_refused(rep, account):
    with pytest.raises(InvalidInput) as refused:
        create_opportunity(
            actor=rep,
            data={"account_id": account.pk, "name": "D", "amount": Decimal("1"), "outcome": "lost"},
        )

    assert refused.value.field == "lost_reason"
    assert Opportunity.objects.count() == 0


def test_committee_is_stored(rep, account, make_contact):
    champion = make_contact()

    opportunity = create_opportunity(
        actor=rep,
        data={
            "account_id": account.pk,
            "name": "Deal",
            "amount": Decimal("1"),
            "committee": [{"contact_id": champion.pk, "role": "champion"}],
        },
    )

    assert list(opportunity.committee.values_list("contact", "role")) == [(champion.pk, "champion")]


def test_bad_committee_writes_nothing(rep, account):
    with pytest.raises(InvalidInput) as refused:
        create_opportunity(
            actor=rep,
            data={
                "account_id": account.pk,
                "name": "Deal",
                "amount": Decimal("1"),
                "committee": [{"contact_id": "abc", "role": "user"}],
            },
        )

    assert refused.value.field == "committee[0].contact_id"
    assert Opportunity.objects.count() == 0
    assert OpportunityContact.objects.count() == 0


def test_marketing_cannot_create(marketer, account):
    with pytest.raises(Forbidden) as refused:
        create_opportunity(
            actor=marketer, data={"account_id": account.pk, "name": "D", "amount": Decimal("1")}
        )

    assert refused.value.message == "Your role (Marketing) may not edit opportunity."
