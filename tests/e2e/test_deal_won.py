"""Real Chromium: a rep wins a deal, marketing finds out in the inbox who helped win it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.closedloop.models import AttributionSettings
from tandem.crm.models import Opportunity
from tandem.people.models import User
from tests.closedloop.deals import touched_deal
from tests.e2e.test_browser import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deal(rep: User) -> Opportunity:
    settings_row = AttributionSettings.current()
    settings_row.model = "linear"
    settings_row.save()
    return touched_deal(owner=rep, name="Northwind platform", amount="40000")


def test_a_won_deal_reaches_marketings_inbox_with_its_credit(
    page: Page, live_server: Any, rep: User, marketer: User, deal: Opportunity
) -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True  # run the notification task in process, as a worker would
    try:
        log_in(page, live_server.url, rep)
        page.get_by_role("link", name="Opportunities", exact=True).click()
        page.get_by_label("Search").fill("northwind")
        expect(page.locator("#results")).to_contain_text("1 opportunity")
        page.get_by_role("link", name="Northwind platform").click()
        page.get_by_label("Move to").select_option("closed_won")
        page.get_by_role("button", name="Save stage").click()
        expect(page.get_by_role("status")).to_contain_text("Moved to Closed won")
        log_out(page)

        log_in(page, live_server.url, marketer)
        inbox = page.get_by_role("link", name="Inbox 1 unread")
        expect(inbox).to_be_visible()
        inbox.click()
        note = page.locator("li.note", has_text="Won: Northwind platform")
        expect(note).to_contain_text("Marketing credit under Linear")
        expect(note).to_contain_text("Spring webinar (Webinar): 2 touches, 50% = USD 20,000")
        note.get_by_role("link", name="Won: Northwind platform, USD 40,000").click()

        expect(page.get_by_role("heading", name="Northwind platform", level=1)).to_be_visible()
        credit = page.locator("section", has=page.get_by_role("heading", name="Marketing credit"))
        expect(credit).to_contain_text("Linear")
        rows = credit.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(credit.locator("tbody")).to_contain_text("Spring webinar")
        expect(credit.locator("tbody")).to_contain_text("Revenue e-book")
        expect(credit.locator("tfoot")).to_contain_text("USD 40,000")
        # Opening it marked it read: the badge is gone.
        expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    finally:
        HUEY.immediate = False
