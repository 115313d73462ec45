from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.crm.models import Campaign

pytestmark = pytest.mark.django_db


def test_list_filters_by_channel_and_name(api_as, rep, make_campaign):
    make_campaign(name="Spring webinar", channel="webinar", starts_on=date(2026, 3, 1))
    make_campaign(name="Autumn webinar", channel="webinar", starts_on=date(2026, 9, 1))
    make_campaign(name="Spring ads", channel="paid_search", starts_on=date(2026, 3, 2))
    api = api_as(rep)

    webinars = api.get("/campaigns", {"channel": "webinar"}).json()
    spring = api.get("/campaigns", {"q": "SPRING"}).json()

    # Latest start first.
    assert [c["name"] for c in webinars["items"]] == ["Autumn webinar", "Spring webinar"]
    assert [c["name"] for c in spring["items"]] == ["Spring ads", "Spring webinar"]
    assert spring["count"] == 2


def test_list_paginates(api_as, rep, make_campaign):
    for day in range(1, 6):
        make_campaign(name=f"C{day}", starts_on=date(2026, 1, day))

    page = api_as(rep).get("/campaigns", {"limit": 2, "offset": 1}).json()

    assert [c["name"] for c in page["items"]] == ["C4", "C3"]
    assert page["count"] == 5


def test_get_returns_the_campaign(api_as, rep, make_campaign):
    campaign = make_campaign(name="Launch", budget=Decimal("5000.00"))

    response = api_as(rep).get(f"/campaigns/{campaign.pk}")

    assert response.status_code == 200
    assert response.json()["name"] == "Launch"
    assert Decimal(response.json()["budget"]) == Decimal("5000.00")


def test_get_unknown_campaign_is_404(api_as, rep):
    response = api_as(rep).get("/campaigns/999999")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No campaign with id 999999."}


def test_marketing_creates_a_campaign(api_as, marketer):
    response = api_as(marketer).post(
        "/campaigns",
        {
            "name": "Launch",
            "channel": "event",
            "utm_campaign": "launch-2026",
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-30",
            "budget": "12000.00",
        },
    )

    assert response.status_code == 201
    campaign = Campaign.objects.get(pk=response.json()["id"])
    assert (campaign.name, campaign.channel, campaign.utm_campaign) == (
        "Launch",
        "event",
        "launch-2026",
    )
    assert (campaign.starts_on, campaign.ends_on) == (date(2026, 4, 1), date(2026, 4, 30))


@pytest.mark.parametrize(
    ("role", "label"), [("sales_rep", "Sales rep"), ("sales_manager", "Sales manager")]
)
def test_sales_cannot_create_a_campaign(api_as, make_user, role, label):
    response = api_as(make_user(role)).post("/campaigns", {"name": "Mine", "channel": "email"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": f"Your role ({label}) may not edit campaign.",
    }
    assert Campaign.objects.count() == 0


def test_campaign_cannot_end_before_it_starts(api_as, marketer):
    response = api_as(marketer).post(
        "/campaigns",
        {
            "name": "Backwards",
            "channel": "email",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "The campaign cannot end before it starts.",
        "field": "ends_on",
    }
    assert Campaign.objects.count() == 0


def test_create_with_bad_fields_names_each(api_as, marketer):
    response = api_as(marketer).post(
        "/campaigns", {"name": " ", "channel": "skywriting", "budget": "-5"}
    )

    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["name", "channel", "budget"]
    assert {"field": "budget", "message": "Input should be greater than or equal to 0"} in body[
        "errors"
    ]
    assert Campaign.objects.count() == 0


def test_update_changes_only_the_fields_sent(api_as, marketer, make_campaign):
    campaign = make_campaign(name="Launch", utm_source="news")

    response = api_as(marketer).patch(f"/campaigns/{campaign.pk}", {"actual_cost": "250.50"})

    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.name == "Launch"
    assert campaign.utm_source == "news"
    assert campaign.actual_cost == Decimal("250.50")


def test_update_moving_the_end_before_the_start_changes_nothing(api_as, marketer, make_campaign):
    campaign = make_campaign(starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))

    response = api_as(marketer).patch(
        f"/campaigns/{campaign.pk}", {"name": "Renamed", "ends_on": "2026-03-01"}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "ends_on"
    campaign.refresh_from_db()
    assert campaign.ends_on == date(2026, 4, 30)
    assert campaign.name != "Renamed"


def test_rep_cannot_update_a_campaign(api_as, rep, make_campaign):
    campaign = make_campaign(name="Launch")

    response = api_as(rep).patch(f"/campaigns/{campaign.pk}", {"name": "Mine"})

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "Launch"
