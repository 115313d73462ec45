from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.crm.models import Account, Campaign, Contact, StageTransition, Touchpoint
from tandem.qualification.models import DefinitionVersion, Signoff, VersionStatus
from tandem.qualification.services import approve_definition, propose_definition

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<li class="msg [^"]*">(.*?)</li>', _text(response), re.S)
    ]


@pytest.fixture
def people(rep, make_user):
    """A small shared funnel: two reps' contacts at a few stages, with history."""
    acme = Account.objects.create(name="Acme Robotics", industry="Software", employee_count=400)
    webinar = Campaign.objects.create(name="Spring webinar", channel="webinar")
    rita = make_user("sales_rep", "rita", first_name="Rita")
    jane = Contact.objects.create(
        email="jane@acme.io",
        first_name="Jane",
        last_name="Doe",
        job_title="VP Data",
        account=acme,
        owner=rep,
        lifecycle_stage="mql",
        fit_score=82,
        grade="A1",
        original_campaign=webinar,
    )
    bob = Contact.objects.create(
        email="bob@globex.com",
        first_name="Bob",
        last_name="Stone",
        owner=rita,
        lifecycle_stage="lead",
        fit_score=40,
        grade="C2",
    )
    Touchpoint.objects.create(
        contact=jane,
        campaign=webinar,
        channel="webinar",
        type="webinar_attended",
        occurred_at=timezone.now() - timedelta(days=2),
        idempotency_key="jane-1",
    )
    StageTransition.objects.create(
        contact=jane,
        from_stage="lead",
        to_stage="mql",
        kind="advance",
        occurred_at=timezone.now() - timedelta(days=1),
        actor=rep,
        reason="Attended the webinar",
    )
    return {"jane": jane, "bob": bob, "rita": rita}


@pytest.fixture
def pending_version(marketer):
    return propose_definition(kind="mql", criteria="fit_score >= 60", actor=marketer)


# Every page, every role -----------------------------------------------------------------


def test_home_renders_for_every_role(browser_as, any_role, people):
    response = browser_as(any_role).get("/")

    assert response.status_code == 200
    text = _text(response)
    assert f"Good to see you, {any_role.first_name}" in text
    assert "The shared funnel" in text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=jane",
        "?q=Jane+Doe",
        "?stage=mql",
        "?owner=me",
        "?owner=none",
        "?min_score=50",
        "?grade=a1",
        "?stage=mql&min_score=50&grade=A1&q=acme",
        "?stage=bogus&min_score=abc&owner=xyz&page=99",
    ],
)
def test_contact_list_renders_for_every_role_and_filter(browser_as, any_role, people, query):
    response = browser_as(any_role).get(f"/contacts/{query}")

    assert response.status_code == 200
    assert "<h1>Contacts</h1>" in _text(response)


def test_contact_page_renders_for_every_role(browser_as, any_role, people):
    response = browser_as(any_role).get(f"/contacts/{people['jane'].pk}/")

    assert response.status_code == 200
    text = _text(response)
    assert "Jane Doe" in text
    assert "Attended webinar" in text
    assert "Attended the webinar" in text


def test_definitions_page_renders_for_every_role(browser_as, any_role, pending_version):
    response = browser_as(any_role).get("/definitions/")

    assert response.status_code == 200
    assert "Agreed definitions" in _text(response)
    assert "fit_score &gt;= 60" in _text(response)


def test_preview_renders_for_every_role(browser_as, any_role, people, pending_version):
    response = browser_as(any_role).get(f"/definitions/{pending_version.pk}/preview/")

    assert response.status_code == 200
    text = re.sub(r"\s+", " ", _text(response))
    assert "If MQL v1 became active" in text
    assert "<strong>0</strong> contacts would move to MQL. 1 of 2 contacts meet it" in text


# Filters ------------------------------------------------------------------------------


def _listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<small class="muted">([^<]+@[^<]+)</small>', _text(response))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["bob@globex.com", "jane@acme.io"]),
        ("?q=robotics", ["jane@acme.io"]),
        ("?q=bob+stone", ["bob@globex.com"]),
        ("?stage=lead", ["bob@globex.com"]),
        ("?owner=me", ["jane@acme.io"]),
        ("?owner=none", []),
        ("?min_score=50", ["jane@acme.io"]),
        ("?grade=c2", ["bob@globex.com"]),
    ],
)
def test_contact_list_filters(browser_as, rep, people, query, expected):
    response = browser_as(rep).get(f"/contacts/{query}")

    assert sorted(_listed(response)) == expected


def test_contact_list_filters_by_a_given_owner(browser_as, marketer, people):
    response = browser_as(marketer).get(f"/contacts/?owner={people['rita'].pk}")

    assert _listed(response) == ["bob@globex.com"]


def test_contact_list_says_when_nothing_matches(browser_as, marketer, people):
    response = browser_as(marketer).get("/contacts/?q=nobody-at-all")

    assert "No contacts match these filters." in _text(response)
    assert "0 contacts" in _text(response)


def test_contact_list_pages_by_fifty(browser_as, marketer):
    Contact.objects.bulk_create(Contact(email=f"p{n}@acme.io") for n in range(51))

    first = browser_as(marketer).get("/contacts/?stage=lead")
    second = browser_as(marketer).get("/contacts/?stage=lead&page=2")

    assert len(_listed(first)) == 50
    assert "Page 1 of 2" in _text(first)
    assert 'href="?stage=lead&page=2"' in _text(first)
    assert len(_listed(second)) == 1


def test_htmx_request_gets_only_the_results(browser_as, marketer, people):
    response = browser_as(marketer).get("/contacts/?stage=lead", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    text = _text(response).strip()
    assert text.startswith('<div id="results">')
    assert text.endswith("</div>")
    assert "<html" not in text
    assert "<form" not in text
    assert _listed(response) == ["bob@globex.com"]
    assert "HX-Request" in response["Vary"]


def test_htmx_preview_gets_only_the_fragment(browser_as, marketer, people, pending_version):
    response = browser_as(marketer).get(
        f"/definitions/{pending_version.pk}/preview/", HTTP_HX_REQUEST="true"
    )

    text = _text(response).strip()
    assert text.startswith('<div class="preview">')
    assert "<html" not in text


# Login and errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/contacts/", "/contacts/1/", "/definitions/", "/definitions/1/preview/"]
)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_login_page_is_open(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert "Log in" in _text(response)


def test_logging_in_with_a_password_works(client, marketer):
    response = client.post(
        "/login/", {"username": "maria", "password": "correct-horse-battery"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert "Good to see you, Maria" in _text(response)


def test_missing_contact_is_a_404_page(browser_as, marketer):
    response = browser_as(marketer).get("/contacts/999999/")

    assert response.status_code == 404
    assert "<h1>Not found</h1>" in _text(response)
    assert "No contact with id 999999." in _text(response)


def test_missing_definition_preview_is_a_404_page(browser_as, marketer):
    response = browser_as(marketer).get("/definitions/999999/preview/")

    assert response.status_code == 404
    assert "No definition version with id 999999." in _text(response)


def test_health_check_needs_no_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# Moving a contact ---------------------------------------------------------------------


def test_moving_a_contact_through_the_form(browser_as, rep, people):
    jane = people["jane"]

    response = browser_as(rep).post(
        f"/contacts/{jane.pk}/move/", {"to_stage": "sal", "reason": ""}, follow=True
    )

    assert response.redirect_chain == [(f"/contacts/{jane.pk}/", 302)]
    assert _messages(response) == ["Moved to SAL."]
    assert Contact.objects.get(pk=jane.pk).lifecycle_stage == "sal"
    assert StageTransition.objects.filter(contact=jane, to_stage="sal", actor=rep).count() == 1


def test_forbidden_move_through_the_form_shows_why(browser_as, marketer, people):
    jane = people["jane"]

    response = browser_as(marketer).post(
        f"/contacts/{jane.pk}/move/", {"to_stage": "lead"}, follow=True
    )

    assert response.status_code == 200
    assert _messages(response) == [
        "Cannot move from MQL back to Lead: backward moves are only allowed by recycling to "
        "Nurture or disqualifying, each with a reason."
    ]
    assert Contact.objects.get(pk=jane.pk).lifecycle_stage == "mql"


def test_recycling_without_a_reason_through_the_form_shows_why(browser_as, marketer, people):
    jane = people["jane"]

    response = browser_as(marketer).post(
        f"/contacts/{jane.pk}/move/", {"to_stage": "nurture", "reason": " "}, follow=True
    )

    assert _messages(response) == ["A reason is required to recycle a contact to Nurture."]
    assert Contact.objects.get(pk=jane.pk).lifecycle_stage == "mql"


def test_rep_moving_another_reps_contact_is_told_no(browser_as, rep, people):
    bob = people["bob"]

    response = browser_as(rep).post(f"/contacts/{bob.pk}/move/", {"to_stage": "mql"}, follow=True)

    assert _messages(response) == [
        "Your role (Sales rep) may not move stage on records you do not own."
    ]
    assert "Only the owner, marketing or a sales manager can move this contact." in _text(response)
    assert Contact.objects.get(pk=bob.pk).lifecycle_stage == "lead"


def test_move_form_offers_only_allowed_targets(browser_as, rep, people):
    response = browser_as(rep).get(f"/contacts/{people['jane'].pk}/")

    options = re.findall(r'<option value="([a-z_]+)">', _text(response))
    assert options == ["sal", "sql", "opportunity", "customer", "nurture", "disqualified"]


def test_moving_needs_a_post(browser_as, marketer, people):
    response = browser_as(marketer).get(f"/contacts/{people['jane'].pk}/move/")

    assert response.status_code == 405


# Definitions --------------------------------------------------------------------------


def test_proposing_through_the_form(browser_as, marketer):
    response = browser_as(marketer).post(
        "/definitions/propose/",
        {"kind": "mql", "criteria": "fit_score >= 70", "note": "Raise the bar"},
        follow=True,
    )

    assert _messages(response) == [
        "Proposed MQL v1. It becomes active when marketing and sales both approve."
    ]
    version = DefinitionVersion.objects.get()
    assert (version.criteria, version.note, version.proposed_by) == (
        "fit_score >= 70",
        "Raise the bar",
        marketer,
    )


def test_invalid_criteria_show_the_error_at_its_position(browser_as, marketer):
    criteria = 'fit_score >= 60 and seniority ~ "vp"'

    response = browser_as(marketer).post(
        "/definitions/propose/", {"kind": "mql", "criteria": criteria}
    )

    assert response.status_code == 422
    text = _text(response)
    assert "Unexpected character &#x27;~&#x27; at position 30" in text
    assert (
        '<pre class="criteria">fit_score &gt;= 60 and seniority <mark>~</mark> &quot;vp&quot;</pre>'
        in text
    )
    # The form keeps what was typed.
    assert "fit_score &gt;= 60 and seniority ~ &quot;vp&quot;</textarea>" in text
    assert DefinitionVersion.objects.count() == 0


def test_unknown_field_in_the_form_is_named(browser_as, manager):
    response = browser_as(manager).post(
        "/definitions/propose/", {"kind": "sql", "criteria": "budget > 5"}
    )

    assert response.status_code == 422
    assert "Unknown field &#x27;budget&#x27; at position 0" in _text(response)
    assert "<mark>b</mark>udget &gt; 5" in _text(response)
    assert DefinitionVersion.objects.count() == 0


def test_rep_proposing_is_shown_why_not(browser_as, rep):
    response = browser_as(rep).post(
        "/definitions/propose/", {"kind": "mql", "criteria": "fit_score >= 60"}
    )

    assert response.status_code == 403
    assert "Your role (Sales rep) may not propose definition." in _text(response)
    assert DefinitionVersion.objects.count() == 0


def test_live_check_of_criteria(browser_as, marketer):
    browser = browser_as(marketer)

    good = browser.post("/definitions/check/", {"criteria": "fit_score > 1"})
    bad = browser.post("/definitions/check/", {"criteria": "fit_score >"})
    empty = browser.post("/definitions/check/", {"criteria": "  "})

    assert "Criteria read correctly." in _text(good)
    assert "<html" not in _text(good)
    assert "Expected a value after &#x27;&gt;&#x27; at position 11" in _text(bad)
    assert "<mark> </mark>" in _text(bad)
    assert _text(empty).strip().startswith('<div id="criteria-check"')
    assert "Criteria read correctly." not in _text(empty)
    assert 'class="no"' not in _text(empty)


def test_approving_from_both_sides_through_the_form(
    browser_as, marketer, manager, pending_version, people, django_capture_on_commit_callbacks
):
    first = browser_as(marketer).post(f"/definitions/{pending_version.pk}/approve/", follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = browser_as(manager).post(
            f"/definitions/{pending_version.pk}/approve/", follow=True
        )

    assert _messages(first) == ["Your approval of MQL v1 is recorded."]
    assert _messages(second) == [
        "MQL v1 is now active. Contacts that meet it are being re-evaluated."
    ]
    assert "Active: version 1" in _text(second)
    # Bob (fit 40) misses it; Jane is already an MQL.
    assert Contact.objects.get(pk=people["bob"].pk).lifecycle_stage == "lead"


def test_approving_twice_through_the_form_shows_why_not(browser_as, marketer, pending_version):
    browser = browser_as(marketer)
    browser.post(f"/definitions/{pending_version.pk}/approve/", follow=True)

    response = browser.post(f"/definitions/{pending_version.pk}/approve/", follow=True)

    assert _messages(response) == ["Marketing has already approved this version."]
    assert Signoff.objects.count() == 1


def test_admin_picks_the_side_in_the_form(browser_as, admin_user, pending_version):
    response = browser_as(admin_user).post(
        f"/definitions/{pending_version.pk}/approve/", {"side": "sales"}, follow=True
    )

    assert _messages(response) == ["Your approval of MQL v1 is recorded."]
    assert Signoff.objects.get().side == "sales"


def test_signers_see_what_waits_for_them(browser_as, manager, rep, pending_version):
    waiting = browser_as(manager).get("/")
    not_for_reps = browser_as(rep).get("/")

    assert "Waiting for your sign-off" in _text(waiting)
    assert "Waiting for your sign-off" not in _text(not_for_reps)


def test_withdrawing_through_the_form(browser_as, marketer, pending_version):
    response = browser_as(marketer).post(
        f"/definitions/{pending_version.pk}/withdraw/", follow=True
    )

    assert _messages(response) == ["Withdrew MQL v1."]
    pending_version.refresh_from_db()
    assert pending_version.status == VersionStatus.WITHDRAWN
    assert "Earlier versions (1)" in _text(response)


def test_contact_page_explains_the_make_version(
    browser_as, marketer, manager, people, pending_version
):
    approve_definition(pending_version, actor=marketer)
    approve_definition(pending_version, actor=manager)

    response = browser_as(marketer).get(f"/contacts/{people['bob'].pk}/")

    text = _text(response)
    assert "does not meet the definition" in text
    assert '<code>fit_score &gt;= 60</code> <small class="muted">(value: 40)</small>' in text
