from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.crm.models import Campaign
from tandem.crm.services import create_campaign
from tandem.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_marketing_creates_a_campaign(marketer):
    campaign = create_campaign(
        actor=marketer,
        data={"name": "Launch", "channel": "event", "utm_source": None, "budget": Decimal("9")},
    )

    assert (campaign.name, campaign.channel, campaign.utm_source) == ("Launch", "event", "")


def test_end_before_start_is_refused(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_campaign(
            actor=marketer,
            data={
                "name": "Launch",
                "channel": "event",
                "starts_on": date(2026, 5, 2),
                "ends_on": date(2026, 5, 1),
            },
        )

    assert refused.value.field == "ends_on"
    assert refused.value.message == "The campaign cannot end before it starts."
    assert Campaign.objects.count() == 0


def test_same_day_campaign_is_fine(marketer):
    day = date(2026, 5, 1)

    campaign = create_campaign(
        actor=marketer, data={"name": "Day", "channel": "event", "starts_on": day, "ends_on": day}
    )

    assert campaign.ends_on == day


def test_unknown_channel_is_named(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_campaign(actor=marketer, data={"name": "Launch", "channel": "fax"})

    assert refused.value.field == "channel"
    assert refused.value.message == "channel: Value 'fax' is not a valid choice."


@pytest.mark.parametrize(
    ("role", "label"), [("sales_rep", "Sales rep"), ("sales_manager", "Sales manager")]
)
def test_sales_cannot_create(make_user, role, label):
    with pytest.raises(Forbidden) as refused:
        create_campaign(actor=make_user(role), data={"name": "Mine", "channel": "event"})

    assert refused.value.message == f"Your role ({label}) may not edit campaign."
    assert Campaign.objects.count() == 0
