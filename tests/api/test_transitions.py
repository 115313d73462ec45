from __future__ import annotations

import pytest

from tandem.crm.models import Contact, StageTransition

pytestmark = pytest.mark.django_db

BACKWARD = (
    "backward moves are only allowed by recycling to Nurture or disqualifying, each with a reason."
)


def test_advancing_records_a_transition_with_its_actor(api_as, marketer, make_contact):
    contact = make_contact(lifecycle_stage="lead")

    response = api_as(marketer).post(
        f"/contacts/{contact.pk}/transitions", {"to_stage": "sal", "reason": " Asked for a demo "}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["from_stage"], body["to_stage"], body["kind"]) == ("lead", "sal", "advance")
    assert body["actor_id"] == marketer.pk
    assert body["reason"] == "Asked for a demo"
    assert body["rule"] == ""
    row = StageTransition.objects.get(pk=body["id"])
    assert (row.contact_id, row.actor, row.from_stage, row.to_stage) == (
        contact.pk,
        marketer,
        "lead",
        "sal",
    )
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "sal"


def test_backward_move_is_refused_with_the_reason(api_as, marketer, make_contact):
    contact = make_contact(lifecycle_stage="sql")

    response = api_as(marketer).post(f"/contacts/{contact.pk}/transitions", {"to_stage": "mql"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "transition_refused",
        "message": f"Cannot move from SQL back to MQL: {BACKWARD}",
        "from_stage": "sql",
        "to_stage": "mql",
    }
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "sql"
    assert StageTransition.objects.count() == 0


@pytest.mark.parametrize(
    ("to_stage", "message"),
    [
        ("nurture", "A reason is required to recycle a contact to Nurture."),
        ("disqualified", "A reason is required to disqualify a contact."),
    ],
)
def test_recycling_or_disqualifying_without_a_reason_is_refused(
    api_as, marketer, make_contact, to_stage, message
):
    contact = make_contact(lifecycle_stage="mql")

    response = api_as(marketer).post(
        f"/contacts/{contact.pk}/transitions", {"to_stage": to_stage, "reason": "   "}
    )

    assert response.status_code == 409
    assert response.json()["message"] == message
    assert response.json()["code"] == "transition_refused"
    assert StageTransition.objects.count() == 0
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "mql"


def test_recycling_with_a_reason_is_recorded(api_as, marketer, make_contact):
    contact = make_contact(lifecycle_stage="mql")

    response = api_as(marketer).post(
        f"/contacts/{contact.pk}/transitions",
        {"to_stage": "nurture", "reason": "Not buying this year"},
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "recycle"
    assert response.json()["reason"] == "Not buying this year"


def test_unknown_stage_is_invalid_input(api_as, marketer, make_contact):
    contact = make_contact()

    response = api_as(marketer).post(f"/contacts/{contact.pk}/transitions", {"to_stage": "won"})

    assert response.status_code == 422
    assert response.json()["field"] == "to_stage"
    assert StageTransition.objects.count() == 0


def test_rep_moves_their_own_contact_but_not_another_reps(api_as, rep, make_user, make_contact):
    mine = make_contact(owner=rep)
    theirs = make_contact(owner=make_user("sales_rep", "rita"))
    api = api_as(rep)

    allowed = api.post(f"/contacts/{mine.pk}/transitions", {"to_stage": "sal"})
    refused = api.post(f"/contacts/{theirs.pk}/transitions", {"to_stage": "sal"})

    assert allowed.status_code == 201
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "forbidden",
        "message": "Your role (Sales rep) may not move stage on records you do not own.",
    }
    assert Contact.objects.get(pk=theirs.pk).lifecycle_stage == "lead"


def test_moving_an_unknown_contact_is_404(api_as, marketer):
    response = api_as(marketer).post("/contacts/999999/transitions", {"to_stage": "sal"})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No contact with id 999999."}


def test_history_lists_every_move_newest_first(api_as, marketer):
    api = api_as(marketer)
    contact_id = api.post("/contacts", {"email": "jane@acme.io"}).json()["id"]
    api.post(f"/contacts/{contact_id}/transitions", {"to_stage": "mql"})
    api.post(f"/contacts/{contact_id}/transitions", {"to_stage": "nurture", "reason": "Later"})

    response = api.get(f"/contacts/{contact_id}/transitions")

    assert response.status_code == 200
    assert [(t["from_stage"], t["to_stage"], t["kind"]) for t in response.json()] == [
        ("mql", "nurture", "recycle"),
        ("lead", "mql", "advance"),
        ("", "lead", "created"),
    ]
    assert {t["actor_id"] for t in response.json()} == {marketer.pk}


def test_history_of_an_unknown_contact_is_404(api_as, marketer):
    response = api_as(marketer).get("/contacts/999999/transitions")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
