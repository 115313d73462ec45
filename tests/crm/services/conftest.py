from __future__ import annotations

import pytest

from tandem.crm.models import Account, Campaign


@pytest.fixture
def account(db: None) -> Account:
    return Account.objects.create(name="Acme", domain="acme.io")


@pytest.fixture
def campaign(db: None) -> Campaign:
    return Campaign.objects.create(
        name="Spring webinar",
        channel="webinar",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring",
    )
