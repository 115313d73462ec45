from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.crm.models import Opportunity, OpportunityContact

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(make_account):
    return make_account(name="Acme")


def test_rep_creates_an_opportunity_they_own_with_its_committee(api_as, rep, account, make_contact):
    champion, buyer = make_contact(), make_contact()

    response = api_as(rep).post(
        "/opportunities",
        {
            "account_id": account.pk,
            "name": "Acme platform",
            "amount": "48000.00",
            "currency": "eur",
            "committee": [
                {"contact_id": champion.pk, "role": "champion"},
                {"contact_id": buyer.pk, "role": "decision_maker"},
            ],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["owner_id"] == rep.pk
    assert body["currency"] == "EUR"
    assert (body["stage"], body["outcome"]) == ("discovery", "open")
    assert sorted(body["committee"], key=lambda m: m["role"]) == [
        {"contact_id": champion.pk, "role": "champion"},
        {"contact_id": buyer.pk, "role": "decision_maker"},
    ]
    assert Opportunity.objects.get().amount == Decimal("48000.00")


def test_rep_can_update_the_opportunity_they_created(api_as, rep, account):
    api = api_as(rep)
    created = api.post(
        "/opportunities", {"account_id": account.pk, "name": "Deal", "amount": "100"}
    ).json()

    response = api.patch(f"/opportunities/{created['id']}", {"stage": "demo"})

    assert response.status_code == 200
    assert response.json()["stage"] == "demo"


def test_marketing_cannot_create_an_opportunity(api_as, marketer, account):
    response = api_as(marketer).post(
        "/opportunities", {"account_id": account.pk, "name": "Deal", "amount": "100"}
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "Your role (Marketing) may not edit opportunity.",
    }
    assert Opportunity.objects.count() == 0


def test_unknown_committee_member_writes_nothing(api_as, rep, account, make_contact):
    known = make_contact()

    response = api_as(rep).post(
        "/opportunities",
        {
            "account_id": account.pk,
            "name": "Deal",
            "amount": "100",
            "committee": [
                {"contact_id": known.pk, "role": "champion"},
                {"contact_id": 999999, "role": "user"},
            ],
        },
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "committee[1].contact_id: no contact with id 999999.",
        "field": "committee[1].contact_id",
    }
    assert Opportunity.objects.count() == 0
    assert OpportunityContact.objects.count() == 0


def test_contact_twice_in_the_committee_is_refused(api_as, rep, account, make_contact):
    contact = make_contact()
    member = {"contact_id": contact.pk, "role": "user"}

    response = api_as(rep).post(
        "/opportunities",
        {"account_id": account.pk, "name": "Deal", "amount": "1", "committee": [member, member]},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "committee"
    assert response.json()["message"] == "A contact appears twice in the buying committee."
    assert Opportunity.objects.count() == 0


def test_bad_committee_role_names_the_member(api_as, rep, account, make_contact):
    contact = make_contact()

    response = api_as(rep).post(
        "/opportunities",
        {
            "account_id": account.pk,
            "name": "Deal",
            "amount": "1",
            "committee": [{"contact_id": contact.pk, "role": "boss"}],
        },
    )

    assert response.status_code == 422
    assert response.json()["field"] == "committee[0].role"


def test_unknown_account_is_refused(api_as, rep):
    response = api_as(rep).post(
        "/opportunities", {"account_id": 999999, "name": "Deal", "amount": "1"}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "account_id"
    assert response.json()["message"] == "No account with id 999999."


def test_amount_must_be_positive_with_two_decimals(api_as, rep, account):
    api = api_as(rep)

    negative = api.post("/opportunities", {"account_id": account.pk, "name": "D", "amount": "-1"})
    precise = api.post("/opportunities", {"account_id": account.pk, "name": "D", "amount": "1.001"})

    assert negative.status_code == 422
    assert negative.json()["errors"] == [
        {"field": "amount", "message": "Input should be greater than or equal to 0"}
    ]
    assert precise.status_code == 422
    assert precise.json()["message"] == (
        "amount: Decimal input should have no more than 2 decimal places"
    )
    assert Opportunity.objects.count() == 0


def test_closing_as_lost_needs_a_reason(api_as, rep, account):
    api = api_as(rep)
    created = api.post(
        "/opportunities", {"account_id": account.pk, "name": "Deal", "amount": "100"}
    ).json()

    refused = api.patch(f"/opportunities/{created['id']}", {"stage": "closed_lost"})
    accepted = api.patch(
        f"/opportunities/{created['id']}",
        {"stage": "closed_lost", "lost_reason": "Chose a competitor"},
    )

    assert refused.status_code == 422
    assert refused.json()["field"] == "lost_reason"
    assert refused.json()["message"] == "A lost opportunity needs a lost reason."
    assert accepted.status_code == 200
    assert (accepted.json()["outcome"], accepted.json()["lost_reason"]) == (
        "lost",
        "Chose a competitor",
    )


def test_closing_as_won_sets_the_outcome(api_as, rep, account):
    response = api_as(rep).post(
        "/opportunities",
        {"account_id": account.pk, "name": "Deal", "amount": "100", "stage": "closed_won"},
    )

    assert response.status_code == 201
    assert response.json()["outcome"] == "won"


def test_rep_cannot_edit_another_reps_opportunity_but_a_manager_can(
    api_as, rep, manager, make_user, account
):
    other = make_user("sales_rep", "rita")
    opportunity = Opportunity.objects.create(
        account=account,
        name="Deal",
        amount=Decimal("1"),
        owner=other,
        created_at="2026-01-01T00:00:00Z",
    )

    refused = api_as(rep).patch(f"/opportunities/{opportunity.pk}", {"name": "Mine"})
    allowed = api_as(manager).patch(f"/opportunities/{opportunity.pk}", {"name": "Renamed"})

    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "Your role (Sales rep) may not edit opportunity on records you do not own."
    )
    assert allowed.status_code == 200
    assert allowed.json()["name"] == "Renamed"


def test_update_replaces_the_committee(api_as, manager, account, make_contact):
    first, second = make_contact(), make_contact()
    api = api_as(manager)
    created = api.post(
        "/opportunities",
        {
            "account_id": account.pk,
            "name": "Deal",
            "amount": "1",
            "committee": [{"contact_id": first.pk, "role": "user"}],
        },
    ).json()

    response = api.patch(
        f"/opportunities/{created['id']}",
        {"committee": [{"contact_id": second.pk, "role": "blocker"}]},
    )

    assert response.status_code == 200
    assert response.json()["committee"] == [{"contact_id": second.pk, "role": "blocker"}]
    assert OpportunityContact.objects.count() == 1


def test_list_filters_by_outcome_and_account_and_paginates(api_as, rep, make_account):
    acme, globex = make_account(name="Acme"), make_account(name="Globex")
    for n, (account, outcome) in enumerate(
        [(acme, "open"), (acme, "won"), (globex, "open"), (globex, "lost")]
    ):
        Opportunity.objects.create(
            account=account,
            name=f"Deal {n}",
            amount=Decimal("1"),
            outcome=outcome,
            lost_reason="Budget" if outcome == "lost" else "",
            created_at=f"2026-01-0{n + 1}T00:00:00Z",
        )
    api = api_as(rep)

    def names(**params: object) -> list[str]:
        return [o["name"] for o in api.get("/opportunities", params).json()["items"]]

    assert names() == ["Deal 3", "Deal 2", "Deal 1", "Deal 0"]
    assert names(outcome="open") == ["Deal 2", "Deal 0"]
    assert names(account_id=acme.pk) == ["Deal 1", "Deal 0"]
    page = api.get("/opportunities", {"limit": 2, "offset": 2}).json()
    assert [o["name"] for o in page["items"]] == ["Deal 1", "Deal 0"]
    assert page["count"] == 4


def test_get_returns_the_opportunity(api_as, rep, account):
    created = (
        api_as(rep)
        .post("/opportunities", {"account_id": account.pk, "name": "Deal", "amount": "7.50"})
        .json()
    )

    response = api_as(rep).get(f"/opportunities/{created['id']}")

    assert response.status_code == 200
    assert response.json()["name"] == "Deal"
    assert Decimal(response.json()["amount"]) == Decimal("7.50")


def test_get_unknown_opportunity_is_404(api_as, rep):
    response = api_as(rep).get("/opportunities/999999")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No opportunity with id 999999."}
