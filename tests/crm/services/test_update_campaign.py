from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.crm.models import Campaign
from tandem.crm.services import update_campaign
from tandem.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_changes_only_what_is_given(campaign, marketer):
    update_campaign(campaign, actor=marketer, changes={"actual_cost": Decimal("99.90")})

    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.name, stored.utm_campaign, stored.actual_cost) == (
        "Spring webinar",
        "spring",
        Decimal("99.90"),
    )


def test_end_is_checked_against_the_stored_start(campaign, marketer):
    Campaign.objects.filter(pk=campaign.pk).update(starts_on=date(2026, 4, 1))
    campaign.refresh_from_db()

    with pytest.raises(InvalidInput) as refused:
        update_campaign(campaign, actor=marketer, changes={"ends_on": date(2026, 3, 31)})

    assert refused.value.field == "ends_on"
    assert Campaign.objects.get(pk=campaign.pk).ends_on is None


def test_null_name_is_refused(campaign, marketer):
    with pytest.raises(InvalidInput) as refused:
        update_campaign(campaign, actor=marketer, changes={"name": None})

    assert refused.value.extra["errors"] == [
        {"field": "name", "message": "This field cannot be null."}
    ]
    assert Campaign.objects.get(pk=campaign.pk).name == "Spring webinar"


def test_sales_manager_cannot_update(campaign, manager):
    with pytest.raises(Forbidden) as refused:
        update_campaign(campaign, actor=manager, changes={"name": "Ours"})

    assert refused.value.message == "Your role (Sales manager) may not edit campaign."
    assert Campaign.objects.get(pk=campaign.pk).name == "Spring webinar"
