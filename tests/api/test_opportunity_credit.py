from __future__ import annotations

import pytest
from django.test import Client

from tandem.closedloop.models import AttributionSettings
from tests.closedloop.deals import GUIDE_URL, touched_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def linear() -> None:
    settings_row = AttributionSettings.current()
    settings_row.model = "linear"
    settings_row.save()


@pytest.mark.parametrize("role", ["marketing", "sales_rep", "sales_manager", "admin"])
def test_every_role_reads_a_deals_credit(api_as, make_user, rep, linear, role):
    deal = touched_deal(owner=rep, outcome="won", amount="40000")

    response = api_as(make_user(role)).get(f"/opportunities/{deal.pk}/credit")

    assert response.status_code == 200
    body = response.json()
    assert (body["opportunity_id"], body["currency"], body["amount"]) == (
        deal.pk,
        "USD",
        "40000.00",
    )
    assert (body["model"], body["model_label"]) == ("linear", "Linear")
    rows = {row["label"]: row for row in body["credit"]}
    assert set(rows) == {"Spring webinar", "Revenue e-book"}
    assert sum(row["share"] for row in body["credit"]) == pytest.approx(1.0)
    ebook = rows["Revenue e-book"]
    assert ebook["channel"] == "content_syndication"
    assert ebook["content"] == [GUIDE_URL]
    assert ebook["touches"] == 2
    assert ebook["share"] == pytest.approx(0.5)
    assert ebook["amount"] == pytest.approx(20000)
    assert isinstance(rows["Spring webinar"]["campaign_id"], int)


def test_missing_deal_is_404(api_as, marketer):
    response = api_as(marketer).get("/opportunities/999999/credit")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_needs_authentication(rep):
    deal = touched_deal(owner=rep)

    assert Client().get(f"/api/v1/opportunities/{deal.pk}/credit").status_code == 401
