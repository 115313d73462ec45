from __future__ import annotations

import pytest
from django.test import Client

from tandem.core.permissions import Action
from tandem.core.scoring import DEFAULT_CONFIG
from tandem.crm import services as crm
from tandem.crm.models import Contact
from tandem.jobs.models import Job
from tandem.qualification import scoring_services
from tandem.qualification.models import ScoringRuleSet
from tandem.web.scoring_forms import rows_from_config

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def form_data(config: dict) -> dict[str, str]:  # type: ignore[type-arg]
    data: dict[str, str] = {}
    for section, rows in rows_from_config(config).items():
        for index, row in enumerate(rows):
            for field, value in row.items():
                data[f"{section}-{index}-{field}"] = value
    data["half_life_days"] = str(config["half_life_days"])
    for index, threshold in enumerate(config["grade_thresholds"]):
        data[f"threshold-{index}"] = str(threshold)
    return data


@pytest.fixture
def scored(marketer):  # type: ignore[no-untyped-def]
    for n in range(12):
        crm.create_contact(
            actor=None, data={"email": f"p{n}@corp.example", "seniority": ["vp", "manager"][n % 2]}
        )
    scoring_services.rescore_all()


def test_scoring_page_shows_charts_from_local_plotly_for_every_role(scored, any_role):  # type: ignore[no-untyped-def]
    page = logged_in(any_role).get("/scoring/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/plotly/plotly.min.js" in html
    assert 'id="grade-chart"' in html
    assert 'id="fit-chart"' in html  # enough scored contacts for deciles
    assert ("Rescore now" in html) is any_role.may(Action.MANAGE_SCORING)


def test_editing_the_rules_saves_a_new_version(marketer):  # type: ignore[no-untyped-def]
    config = DEFAULT_CONFIG.to_dict()
    data = form_data(config) | {"note": "Raise senior weight"}
    data["fit_rules-0-points"] = "30"

    response = logged_in(marketer).post("/scoring/rules/", data)

    assert response.status_code == 302
    saved = ScoringRuleSet.objects.get()
    assert saved.note == "Raise senior weight"
    assert saved.config["fit_rules"][0]["points"] == 30
    assert saved.config["fit_rules"][1:] == config["fit_rules"][1:]
    assert saved.config["engagement_rules"] == config["engagement_rules"]
    assert saved.config["title_tables"] == config["title_tables"]


def test_a_bad_condition_is_shown_on_its_row_and_nothing_is_saved(marketer):  # type: ignore[no-untyped-def]
    data = form_data(DEFAULT_CONFIG.to_dict())
    data["fit_rules-2-condition"] = "seniority =="

    response = logged_in(marketer).post("/scoring/rules/", data)

    assert response.status_code == 422
    html = response.content.decode()
    assert "fit_rules[2].condition: Expected a value after" in html
    assert html.count('class="row-error"') == 1
    assert 'value="seniority =="' in html  # what was typed is kept
    assert ScoringRuleSet.objects.count() == 0


def test_preview_says_how_many_contacts_would_change_grade(scored, marketer):  # type: ignore[no-untyped-def]
    data = form_data(DEFAULT_CONFIG.to_dict())
    for index in range(3):
        data[f"threshold-{index}"] = str(99 - index)

    response = logged_in(marketer).post("/scoring/rules/preview/", data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert "of 12 contacts would change grade" in html


def test_sales_reps_can_read_but_not_change_scoring(scored, rep):  # type: ignore[no-untyped-def]
    client = logged_in(rep)
    assert client.get("/scoring/rules/").status_code == 200
    response = client.post("/scoring/rules/", form_data(DEFAULT_CONFIG.to_dict()))
    assert response.status_code == 403
    assert "may not manage scoring" in response.content.decode()
    assert ScoringRuleSet.objects.count() == 0


def test_contact_page_explains_the_score(scored, rep):  # type: ignore[no-untyped-def]
    contact = Contact.objects.filter(seniority="vp").first()
    html = logged_in(rep).get(f"/contacts/{contact.pk}/").content.decode()
    assert "Why this score" in html
    assert "Vice president" in html


def test_a_sales_rep_cannot_start_a_rescore(rep):  # type: ignore[no-untyped-def]
    response = logged_in(rep).post("/scoring/rescore/", follow=True)

    assert "may not manage scoring" in response.content.decode()
    assert not Job.objects.exists()
