from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.crm.models import Account

pytestmark = pytest.mark.django_db


def test_list_filters_by_name_or_domain(api_as, marketer, make_account):
    make_account(name="Acme Robotics", domain="acme.io")
    make_account(name="Globex", domain="initech-holdings.com")
    make_account(name="Umbrella", domain="umbrella.com")

    by_name = api_as(marketer).get("/accounts", {"q": "acme"}).json()
    by_domain = api_as(marketer).get("/accounts", {"q": "initech"}).json()

    assert [a["name"] for a in by_name["items"]] == ["Acme Robotics"]
    assert by_name["count"] == 1
    assert [a["name"] for a in by_domain["items"]] == ["Globex"]


def test_list_filters_by_industry_and_owner(api_as, marketer, rep, make_account):
    make_account(name="A", industry="Software", owner=rep)
    make_account(name="B", industry="software")
    make_account(name="C", industry="Retail", owner=rep)
    api = api_as(marketer)

    software = api.get("/accounts", {"industry": "SOFTWARE"}).json()
    owned = api.get("/accounts", {"owner_id": rep.pk}).json()

    assert [a["name"] for a in software["items"]] == ["A", "B"]
    assert [a["name"] for a in owned["items"]] == ["A", "C"]


def test_list_paginates_with_limit_and_offset_and_counts_every_match(
    api_as, marketer, make_account
):
    for name in "ABCDE":
        make_account(name=name)

    page = api_as(marketer).get("/accounts", {"limit": 2, "offset": 2}).json()

    assert [a["name"] for a in page["items"]] == ["C", "D"]
    assert page["count"] == 5


def test_list_keeps_limit_between_one_and_five_hundred(api_as, marketer):
    Account.objects.bulk_create(Account(name=f"Account {n:03}") for n in range(501))
    api = api_as(marketer)

    at_least_one = api.get("/accounts", {"limit": 0}).json()
    at_most_500 = api.get("/accounts", {"limit": 10_000}).json()
    negative_offset = api.get("/accounts", {"limit": 1, "offset": -5}).json()

    assert len(at_least_one["items"]) == 1
    assert len(at_most_500["items"]) == 500
    assert at_most_500["count"] == 501
    assert negative_offset["items"][0]["name"] == "Account 000"


def test_get_returns_the_account(api_as, marketer, make_account):
    account = make_account(name="Acme", domain="acme.io", employee_count=40)

    response = api_as(marketer).get(f"/accounts/{account.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == account.pk
    assert body["name"] == "Acme"
    assert body["domain"] == "acme.io"
    assert body["employee_count"] == 40


def test_get_unknown_account_is_404_in_json(api_as, marketer):
    response = api_as(marketer).get("/accounts/999999")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No account with id 999999."}


def test_create_normalises_domain_and_country(api_as, marketer):
    response = api_as(marketer).post(
        "/accounts",
        {
            "name": "  Acme  ",
            "domain": " Acme.IO ",
            "country": "de",
            "annual_revenue": "1250000.50",
        },
    )

    assert response.status_code == 201
    account = Account.objects.get(pk=response.json()["id"])
    assert account.name == "Acme"
    assert account.domain == "acme.io"
    assert account.country == "DE"
    assert account.annual_revenue == Decimal("1250000.50")
    assert account.owner is None


def test_create_with_bad_fields_names_each_field_and_writes_nothing(api_as, marketer):
    response = api_as(marketer).post(
        "/accounts", {"name": "", "employee_count": -1, "country": "DEU"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["field"] == "name"
    assert body["message"] == "name: String should have at least 1 character"
    assert {e["field"] for e in body["errors"]} == {"name", "employee_count", "country"}
    assert {
        "field": "employee_count",
        "message": "Input should be greater than or equal to 0",
    } in body["errors"]
    assert Account.objects.count() == 0


def test_create_with_unknown_owner_is_refused(api_as, marketer):
    response = api_as(marketer).post("/accounts", {"name": "Acme", "owner_id": 999999})

    assert response.status_code == 422
    assert response.json()["field"] == "owner_id"
    assert response.json()["message"] == "No user with id 999999."
    assert Account.objects.count() == 0


def test_create_with_deactivated_owner_is_refused(api_as, marketer, make_user):
    gone = make_user("sales_rep", "gone", first_name="Gone")
    gone.is_active = False
    gone.save()

    response = api_as(marketer).post("/accounts", {"name": "Acme", "owner_id": gone.pk})

    assert response.status_code == 422
    assert response.json()["message"] == "User Gone is deactivated and cannot own records."
    assert Account.objects.count() == 0


def test_rep_owns_the_account_they_create_and_can_edit_it(api_as, rep):
    api = api_as(rep)

    created = api.post("/accounts", {"name": "Acme"})
    renamed = api.patch(f"/accounts/{created.json()['id']}", {"name": "Acme Inc"})

    assert created.status_code == 201
    assert created.json()["owner_id"] == rep.pk
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Acme Inc"


def test_update_changes_only_the_fields_sent(api_as, marketer, make_account):
    account = make_account(name="Acme", domain="acme.io", industry="Software")

    response = api_as(marketer).patch(f"/accounts/{account.pk}", {"industry": "Robotics"})

    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.name, account.domain, account.industry) == ("Acme", "acme.io", "Robotics")


def test_update_with_null_name_is_refused_and_changes_nothing(api_as, marketer, make_account):
    account = make_account(name="Acme", industry="Software")

    response = api_as(marketer).patch(
        f"/accounts/{account.pk}", {"name": None, "industry": "Retail"}
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "name: This field cannot be null.",
        "field": "name",
        "errors": [{"field": "name", "message": "This field cannot be null."}],
    }
    account.refresh_from_db()
    assert (account.name, account.industry) == ("Acme", "Software")


def test_rep_cannot_edit_another_reps_account(api_as, rep, make_user, make_account):
    other = make_user("sales_rep", "rita")
    account = make_account(name="Acme", owner=other)

    response = api_as(rep).patch(f"/accounts/{account.pk}", {"name": "Mine now"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "Your role (Sales rep) may not edit account on records you do not own.",
    }
    account.refresh_from_db()
    assert account.name == "Acme"


def test_update_unknown_account_is_404(api_as, marketer):
    response = api_as(marketer).patch("/accounts/999999", {"name": "X"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
