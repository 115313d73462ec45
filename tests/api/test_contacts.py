from __future__ import annotations

import pytest

from tandem.crm.models import Contact, StageTransition

pytestmark = pytest.mark.django_db


def _emails(response) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(c["email"] for c in response.json()["items"])


def test_list_filters_by_stage_owner_score_and_grade(api_as, marketer, rep, make_contact):
    make_contact(email="a@x.com", lifecycle_stage="mql", owner=rep, fit_score=80, grade="A1")
    make_contact(email="b@x.com", lifecycle_stage="mql", fit_score=40, grade="B2")
    make_contact(email="c@x.com", lifecycle_stage="lead", owner=rep, fit_score=90, grade="a1")
    api = api_as(marketer)

    assert _emails(api.get("/contacts", {"stage": "mql"})) == ["a@x.com", "b@x.com"]
    assert _emails(api.get("/contacts", {"owner_id": rep.pk})) == ["a@x.com", "c@x.com"]
    assert _emails(api.get("/contacts", {"min_score": 50})) == ["a@x.com", "c@x.com"]
    assert _emails(api.get("/contacts", {"max_score": 80})) == ["a@x.com", "b@x.com"]
    assert _emails(api.get("/contacts", {"grade": "A1"})) == ["a@x.com", "c@x.com"]
    assert _emails(api.get("/contacts", {"stage": "mql", "min_score": 50})) == ["a@x.com"]


def test_list_searches_email_names_and_company(api_as, marketer, make_contact, make_account):
    acme = make_account(name="Acme Robotics")
    make_contact(email="jane@globex.com", first_name="Jane", last_name="Doe")
    make_contact(email="bob@acme.io", first_name="Bob", last_name="Stone", account=acme)
    make_contact(email="carol@initech.com", first_name="Carol", last_name="Jones")
    api = api_as(marketer)

    assert _emails(api.get("/contacts", {"q": "jane doe"})) == ["jane@globex.com"]
    assert _emails(api.get("/contacts", {"q": "robotics"})) == ["bob@acme.io"]
    assert _emails(api.get("/contacts", {"q": "INITECH"})) == ["carol@initech.com"]


def test_list_refuses_an_unknown_stage(api_as, marketer):
    response = api_as(marketer).get("/contacts", {"stage": "hot"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["field"] == "stage"
    assert body["message"].startswith("stage: Input should be 'subscriber', 'lead'")


def test_list_paginates_newest_activity_first(api_as, marketer, make_contact):
    contacts = [make_contact() for _ in range(5)]

    page = api_as(marketer).get("/contacts", {"limit": 2, "offset": 1}).json()

    # Same updated_at resolution can tie, so the id breaks ties: newest id first.
    newest_first = sorted(contacts, key=lambda c: (c.updated_at, c.pk), reverse=True)
    assert [c["id"] for c in page["items"]] == [c.pk for c in newest_first[1:3]]
    assert page["count"] == 5


def test_get_returns_the_contact(api_as, rep, make_contact):
    contact = make_contact(email="jane@acme.io", first_name="Jane", fit_score=72)

    response = api_as(rep).get(f"/contacts/{contact.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["first_name"]) == (contact.pk, "jane@acme.io", "Jane")
    assert body["fit_score"] == 72
    assert body["lifecycle_stage"] == "lead"


def test_get_unknown_contact_is_404_in_json(api_as, rep):
    response = api_as(rep).get("/contacts/999999")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No contact with id 999999."}


def test_create_normalises_and_records_the_first_stage(api_as, marketer, make_account):
    account = make_account()

    response = api_as(marketer).post(
        "/contacts",
        {
            "email": "  Jane.Doe@Acme.IO ",
            "first_name": " Jane ",
            "country": "us",
            "seniority": "director",
            "source_channel": "webinar",
            "account_id": account.pk,
            "lifecycle_stage": "subscriber",
        },
    )

    assert response.status_code == 201
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.email == "jane.doe@acme.io"
    assert contact.first_name == "Jane"
    assert contact.country == "US"
    assert contact.account == account
    assert contact.lifecycle_stage == "subscriber"
    created = StageTransition.objects.get(contact=contact)
    assert (created.from_stage, created.to_stage, created.kind) == ("", "subscriber", "created")
    assert created.actor == marketer


def test_contact_created_by_a_rep_is_theirs(api_as, rep):
    response = api_as(rep).post("/contacts", {"email": "lead@acme.io"})

    assert response.status_code == 201
    assert response.json()["owner_id"] == rep.pk
    assert response.json()["lifecycle_stage"] == "lead"


def test_contact_created_by_marketing_has_no_owner_unless_given(api_as, marketer, rep):
    api = api_as(marketer)

    unowned = api.post("/contacts", {"email": "one@acme.io"}).json()
    assigned = api.post("/contacts", {"email": "two@acme.io", "owner_id": rep.pk}).json()

    assert unowned["owner_id"] is None
    assert assigned["owner_id"] == rep.pk


def test_email_is_unique_whatever_its_case(api_as, marketer, make_contact):
    existing = make_contact(email="jane@acme.io")

    response = api_as(marketer).post("/contacts", {"email": "JANE@Acme.io"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": f"A contact with email jane@acme.io already exists (id {existing.pk}).",
        "field": "email",
        "existing_id": existing.pk,
    }
    assert Contact.objects.count() == 1
    assert StageTransition.objects.count() == 0


def test_changing_email_to_one_taken_is_a_conflict(api_as, marketer, make_contact):
    taken = make_contact(email="jane@acme.io")
    contact = make_contact(email="bob@acme.io")

    response = api_as(marketer).patch(f"/contacts/{contact.pk}", {"email": "Jane@ACME.io"})

    assert response.status_code == 409
    assert response.json()["existing_id"] == taken.pk
    contact.refresh_from_db()
    assert contact.email == "bob@acme.io"


def test_changing_the_case_of_ones_own_email_is_fine(api_as, marketer, make_contact):
    contact = make_contact(email="jane@acme.io")

    response = api_as(marketer).patch(f"/contacts/{contact.pk}", {"email": "JANE@acme.io"})

    assert response.status_code == 200
    assert response.json()["email"] == "jane@acme.io"


def test_create_with_bad_fields_names_each_and_writes_nothing(api_as, marketer):
    response = api_as(marketer).post(
        "/contacts", {"email": "not-an-email", "seniority": "boss", "persona": "wizard"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert {e["field"] for e in body["errors"]} == {"email", "seniority", "persona"}
    assert {"field": "email", "message": "Enter a valid email address."} in body["errors"]
    assert {"field": "seniority", "message": "Value 'boss' is not a valid choice."} in body[
        "errors"
    ]
    assert body["field"] == body["errors"][0]["field"]
    assert body["message"] == f"{body['field']}: {body['errors'][0]['message']}"
    assert Contact.objects.count() == 0
    assert StageTransition.objects.count() == 0


def test_unknown_source_channel_names_the_field_once(api_as, marketer):
    response = api_as(marketer).post(
        "/contacts", {"email": "jane@acme.io", "source_channel": "carrier_pigeon"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "source_channel"
    assert [e["field"] for e in body["errors"]] == ["source_channel"]
    assert "'paid_search'" in body["message"]
    assert Contact.objects.count() == 0


def test_country_must_be_a_two_letter_code(api_as, marketer):
    response = api_as(marketer).post("/contacts", {"email": "jane@acme.io", "country": "USA"})

    assert response.status_code == 422
    assert response.json()["field"] == "country"
    assert response.json()["message"].startswith("country: String should match pattern")


def test_unknown_account_is_refused(api_as, marketer):
    response = api_as(marketer).post("/contacts", {"email": "jane@acme.io", "account_id": 999999})

    assert response.status_code == 422
    assert response.json()["field"] == "account_id"
    assert response.json()["message"] == "No account with id 999999."
    assert Contact.objects.count() == 0


def test_update_changes_only_the_fields_sent(api_as, marketer, make_contact):
    contact = make_contact(first_name="Jane", last_name="Doe", job_title="CTO")

    response = api_as(marketer).patch(f"/contacts/{contact.pk}", {"job_title": "CEO"})

    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.job_title) == ("Jane", "Doe", "CEO")


def test_update_with_a_bad_value_changes_nothing(api_as, marketer, make_contact):
    contact = make_contact(first_name="Jane", seniority="vp")

    response = api_as(marketer).patch(
        f"/contacts/{contact.pk}", {"first_name": "Janet", "seniority": "emperor"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "seniority", "message": "Value 'emperor' is not a valid choice."}
    ]
    contact.refresh_from_db()
    assert (contact.first_name, contact.seniority) == ("Jane", "vp")


def test_rep_may_edit_their_own_contact_but_not_another_reps(api_as, rep, make_user, make_contact):
    mine = make_contact(owner=rep)
    theirs = make_contact(owner=make_user("sales_rep", "rita"), job_title="CTO")
    api = api_as(rep)

    allowed = api.patch(f"/contacts/{mine.pk}", {"job_title": "CFO"})
    refused = api.patch(f"/contacts/{theirs.pk}", {"job_title": "Intern"})

    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "forbidden",
        "message": "Your role (Sales rep) may not edit contact on records you do not own.",
    }
    theirs.refresh_from_db()
    assert theirs.job_title == "CTO"


def test_update_unknown_contact_is_404(api_as, marketer):
    response = api_as(marketer).patch("/contacts/999999", {"job_title": "CEO"})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No contact with id 999999."}


def test_stage_cannot_be_patched_only_moved_by_a_transition(api_as, marketer, make_contact):
    contact = make_contact(email="a@x.com", lifecycle_stage="lead")

    response = api_as(marketer).patch(f"/contacts/{contact.pk}", {"lifecycle_stage": "customer"})

    assert response.status_code == 422
    assert response.json()["field"] == "lifecycle_stage"
    assert "through a transition" in response.json()["message"]
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "lead"


def test_a_misspelt_field_is_refused_not_ignored(api_as, marketer):
    response = api_as(marketer).post("/contacts", {"email": "a@x.com", "frist_name": "Ann"})

    assert response.status_code == 422
    assert response.json()["field"] == "frist_name"
    assert "Extra inputs are not permitted" in response.json()["message"]
    assert Contact.objects.count() == 0
