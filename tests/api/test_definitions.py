from __future__ import annotations

import pytest

from tandem.crm.models import Contact, StageTransition
from tandem.qualification.models import DefinitionVersion, Signoff

pytestmark = pytest.mark.django_db

CRITERIA = 'fit_score >= 60 and seniority in ("director", "vp")'


@pytest.fixture
def proposed(api_as, marketer):
    def propose(criteria: str = CRITERIA, kind: str = "mql") -> dict[str, object]:
        response = api_as(marketer).post("/definitions", {"kind": kind, "criteria": criteria})
        assert response.status_code == 201
        return response.json()

    return propose


def test_proposing_creates_a_pending_version(api_as, marketer):
    response = api_as(marketer).post(
        "/definitions", {"kind": "mql", "criteria": f"  {CRITERIA}  ", "note": "Tighter"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["number"], body["status"]) == ("mql", 1, "pending")
    assert body["criteria"] == CRITERIA
    assert body["note"] == "Tighter"
    assert body["proposed_by_id"] == marketer.pk
    assert body["signoffs"] == []
    assert body["activated_at"] is None


def test_versions_are_numbered_per_kind(proposed):
    assert [proposed()["number"], proposed()["number"], proposed(kind="sql")["number"]] == [1, 2, 1]


def test_invalid_criteria_are_refused_with_the_position(api_as, marketer):
    response = api_as(marketer).post(
        "/definitions", {"kind": "mql", "criteria": 'fit_score >= and grade == "A1"'}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_condition"
    assert body["position"] == 13
    assert body["message"] == (
        "Expected a value after '>=', found 'and'; text values need quotes, "
        'e.g. "and" at position 13'
    )
    assert DefinitionVersion.objects.count() == 0


def test_unknown_field_is_refused_by_name(api_as, marketer):
    response = api_as(marketer).post(
        "/definitions", {"kind": "mql", "criteria": "fit_score >= 60 and budget > 10"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_condition"
    assert body["position"] == 20
    assert body["message"].startswith("Unknown field 'budget' at position 20; known fields: ")
    assert DefinitionVersion.objects.count() == 0


def test_empty_criteria_are_invalid_input(api_as, marketer):
    response = api_as(marketer).post("/definitions", {"kind": "mql", "criteria": "   "})

    assert response.status_code == 422
    assert response.json()["field"] == "criteria"


def test_unknown_kind_is_invalid_input(api_as, marketer):
    response = api_as(marketer).post("/definitions", {"kind": "pql", "criteria": CRITERIA})

    assert response.status_code == 422
    assert response.json()["field"] == "kind"


def test_rep_cannot_propose(api_as, rep):
    response = api_as(rep).post("/definitions", {"kind": "mql", "criteria": CRITERIA})

    assert response.status_code == 403
    assert response.json()["message"] == "Your role (Sales rep) may not propose definition."
    assert DefinitionVersion.objects.count() == 0


def test_marketing_then_sales_manager_approval_activates_and_qualifies(
    api_as, marketer, manager, proposed, make_contact, django_capture_on_commit_callbacks
):
    meets = make_contact(fit_score=80, seniority="vp")
    misses = make_contact(fit_score=10, seniority="vp")
    version = proposed()

    first = api_as(marketer).post(f"/definitions/{version['id']}/approve", {})
    with django_capture_on_commit_callbacks(execute=True):
        second = api_as(manager).post(f"/definitions/{version['id']}/approve", {})

    assert first.status_code == 200
    assert first.json()["status"] == "pending"
    assert [(s["side"], s["user_id"]) for s in first.json()["signoffs"]] == [
        ("marketing", marketer.pk)
    ]
    assert second.status_code == 200
    assert second.json()["status"] == "active"
    assert second.json()["activated_at"] is not None
    assert [(s["side"], s["user_id"]) for s in second.json()["signoffs"]] == [
        ("marketing", marketer.pk),
        ("sales", manager.pk),
    ]
    assert Contact.objects.get(pk=meets.pk).lifecycle_stage == "mql"
    assert Contact.objects.get(pk=misses.pk).lifecycle_stage == "lead"
    moved = StageTransition.objects.get(contact=meets)
    assert (moved.rule, moved.definition_version_id) == ("mql_definition", version["id"])


def test_approving_a_new_version_supersedes_the_active_one(api_as, marketer, manager, proposed):
    first, second = proposed(), proposed("fit_score >= 90")
    for version in (first, second):
        api_as(marketer).post(f"/definitions/{version['id']}/approve", {})
        api_as(manager).post(f"/definitions/{version['id']}/approve", {})

    listed = api_as(marketer).get("/definitions", {"kind": "mql"}).json()

    assert [(v["number"], v["status"]) for v in listed] == [(2, "active"), (1, "superseded")]


def test_same_person_approving_twice_is_refused(api_as, marketer, proposed):
    version = proposed()
    api_as(marketer).post(f"/definitions/{version['id']}/approve", {})

    response = api_as(marketer).post(f"/definitions/{version['id']}/approve", {})

    assert response.status_code == 422
    assert response.json() == {
        "code": "signoff_refused",
        "message": "Marketing has already approved this version.",
    }
    assert Signoff.objects.count() == 1


def test_one_person_cannot_approve_for_both_sides(api_as, admin_user, proposed):
    version = proposed()
    api = api_as(admin_user)
    api.post(f"/definitions/{version['id']}/approve", {"side": "marketing"})

    response = api.post(f"/definitions/{version['id']}/approve", {"side": "sales"})

    assert response.status_code == 422
    assert response.json() == {
        "code": "signoff_refused",
        "message": (
            "You already approved this version for marketing; "
            "a different person must approve for sales."
        ),
    }
    assert DefinitionVersion.objects.get(pk=version["id"]).status == "pending"


def test_sales_rep_cannot_approve(api_as, rep, proposed):
    version = proposed()

    response = api_as(rep).post(f"/definitions/{version['id']}/approve", {})

    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "Your role (Sales rep) may not approve definitions.",
    }
    assert Signoff.objects.count() == 0


def test_marketing_cannot_approve_for_sales(api_as, marketer, proposed):
    version = proposed()

    response = api_as(marketer).post(f"/definitions/{version['id']}/approve", {"side": "sales"})

    assert response.status_code == 403
    assert response.json()["message"] == "Your role (Marketing) may not approve for sales."


def test_admin_must_say_which_side(api_as, admin_user, proposed):
    version = proposed()

    response = api_as(admin_user).post(f"/definitions/{version['id']}/approve", {})

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "Say which side you approve for (marketing or sales).",
        "field": "side",
    }
    assert Signoff.objects.count() == 0


def test_unknown_side_is_invalid_input(api_as, admin_user, proposed):
    version = proposed()

    response = api_as(admin_user).post(f"/definitions/{version['id']}/approve", {"side": "both"})

    assert response.status_code == 422
    assert response.json()["field"] == "side"


def test_active_version_cannot_be_approved_again(api_as, marketer, manager, admin_user, proposed):
    version = proposed()
    api_as(marketer).post(f"/definitions/{version['id']}/approve", {})
    api_as(manager).post(f"/definitions/{version['id']}/approve", {})

    response = api_as(admin_user).post(
        f"/definitions/{version['id']}/approve", {"side": "marketing"}
    )

    assert response.status_code == 409
    assert response.json()["message"] == (
        "MQL v1 is active; only versions awaiting approval can be approved."
    )


def test_approving_an_unknown_version_is_404(api_as, marketer):
    response = api_as(marketer).post("/definitions/999999/approve", {})

    assert response.status_code == 404
    assert response.json()["message"] == "No definition version with id 999999."


def test_evaluating_a_contact_gives_the_verdict_and_each_check(
    api_as, rep, proposed, make_contact, make_account
):
    account = make_account(annual_revenue="2500000.00")
    contact = make_contact(fit_score=75, seniority="manager", account=account)
    version = proposed(CRITERIA + " and annual_revenue > 1000000")

    response = api_as(rep).get(f"/definitions/{version['id']}/evaluate/{contact.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["definition_id"], body["contact_id"], body["verdict"]) == (
        version["id"],
        contact.pk,
        False,
    )
    assert body["checks"] == [
        {"text": "fit_score >= 60", "met": True, "actual": 75},
        {"text": 'seniority in ("director", "vp")', "met": False, "actual": "manager"},
        {"text": "annual_revenue > 1000000", "met": True, "actual": 2500000.0},
    ]


def test_evaluating_an_unknown_contact_is_404(api_as, rep, proposed):
    version = proposed()

    response = api_as(rep).get(f"/definitions/{version['id']}/evaluate/999999")

    assert response.status_code == 404
    assert response.json()["message"] == "No contact with id 999999."


def test_list_and_get(api_as, rep, proposed):
    mql, sql = proposed(), proposed('lifecycle_stage == "sal"', kind="sql")
    api = api_as(rep)

    everything = api.get("/definitions").json()
    only_sql = api.get("/definitions", {"kind": "sql"}).json()
    one = api.get(f"/definitions/{mql['id']}")

    assert [v["id"] for v in everything] == [mql["id"], sql["id"]]
    assert [v["id"] for v in only_sql] == [sql["id"]]
    assert one.status_code == 200
    assert one.json()["criteria"] == CRITERIA


def test_get_unknown_version_is_404(api_as, rep):
    response = api_as(rep).get("/definitions/999999")

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No definition version with id 999999.",
    }
