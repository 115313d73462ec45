"""Real Chromium, real server: log in, find and open a contact, agree a definition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tandem.crm import services as crm
from tandem.crm.models import Contact, StageTransition
from tandem.people.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


@pytest.fixture
def contact(marketer: User) -> Contact:
    account = crm.create_account(
        actor=None, data={"name": "Northwind Analytics", "industry": "Software"}
    )
    contact = crm.create_contact(
        actor=None,
        data={
            "email": "dana.kim@northwind.example",
            "first_name": "Dana",
            "last_name": "Kim",
            "job_title": "VP Marketing",
            "seniority": "vp",
            "account_id": account.pk,
        },
    )
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    items: list[dict[str, Any]] = [
        {
            "contact_id": contact.pk,
            "channel": "webinar",
            "type": kind,
            "occurred_at": start + timedelta(days=i),
            "idempotency_key": f"e2e-{i}",
        }
        for i, kind in enumerate(["webinar_registered", "webinar_attended", "demo_request"])
    ]
    crm.record_touchpoints(items, actor=None)
    for n in range(3):
        crm.create_contact(actor=None, data={"email": f"someone{n}@elsewhere.example"})
    return contact


def test_log_in_search_and_open_a_contact(
    page: Page, live_server: Any, marketer: User, contact: Contact
) -> None:
    log_in(page, live_server.url, marketer)
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_label("Search").fill("northwind")
    # The table refreshes as you type (htmx); the other contacts drop out.
    expect(page.locator("#results")).to_contain_text("1 contact")
    page.get_by_role("link", name="Dana Kim").click()
    expect(page.get_by_role("heading", name="Dana Kim")).to_be_visible()
    timeline = page.locator("section", has=page.get_by_role("heading", name="Timeline"))
    expect(timeline).to_contain_text("Requested a demo")
    expect(timeline).to_contain_text("Attended webinar")
    history = page.locator("section", has=page.get_by_role("heading", name="Stage history"))
    expect(history).to_contain_text("Lead")


def test_forbidden_move_is_explained_and_a_recycle_is_recorded(
    page: Page, live_server: Any, marketer: User, contact: Contact
) -> None:
    log_in(page, live_server.url, marketer)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    page.get_by_label("Move to").select_option("nurture")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("A reason is required")
    page.get_by_label("Move to").select_option("nurture")
    page.get_by_label("Reason").fill("No budget until next year")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("Moved to Nurture")
    last = StageTransition.objects.filter(contact=contact).order_by("-id").first()
    assert last is not None
    assert (last.to_stage, last.reason, last.actor_id) == (
        "nurture",
        "No budget until next year",
        marketer.pk,
    )


def test_two_people_agree_a_definition_and_the_lead_becomes_mql(
    page: Page, live_server: Any, marketer: User, manager: User, contact: Contact
) -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True  # run the re-evaluation in process, as a worker would
    try:
        log_in(page, live_server.url, marketer)
        page.get_by_role("link", name="Definitions", exact=True).click()
        page.get_by_label("Criteria").fill('seniority in ("vp", "c_level") and job_title contains')
        # Checked while typing, with the position of the fault.
        expect(page.locator("#criteria-check")).to_contain_text("position")
        page.get_by_label("Criteria").fill(
            'seniority in ("vp", "c_level") and job_title contains "marketing"'
        )
        expect(page.locator("#criteria-check")).to_contain_text("Criteria read correctly")
        page.get_by_label("Why this change").fill("Senior marketing buyers only")
        page.get_by_role("button", name="Propose").click()
        expect(page.get_by_role("status")).to_contain_text("Proposed MQL v1")

        page.get_by_role("link", name="See which contacts would change stage").click()
        expect(page.locator(".preview")).to_contain_text("1 contact would move to MQL")

        page.get_by_role("button", name="Approve version 1").click()
        expect(page.get_by_role("status")).to_contain_text("Your approval of MQL v1 is recorded")
        # The same person cannot approve for sales too: no button is offered.
        expect(page.get_by_role("button", name="Approve version 1")).to_have_count(0)
        log_out(page)

        log_in(page, live_server.url, manager)
        expect(page.locator(".attention")).to_contain_text("MQL v1")
        page.get_by_role("link", name="Definitions", exact=True).click()
        page.get_by_role("button", name="Approve version 1").click()
        expect(page.get_by_role("status")).to_contain_text("MQL v1 is now active")

        page.goto(f"{live_server.url}/contacts/{contact.pk}/")
        expect(page.locator(".stage.big")).to_have_text("MQL")
        expect(page.get_by_text("meets the definition")).to_be_visible()
        history = page.locator("section", has=page.get_by_role("heading", name="Stage history"))
        expect(history).to_contain_text("MQL v1")
    finally:
        HUEY.immediate = False
