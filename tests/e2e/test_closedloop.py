"""Real Chromium: marketing and sales open the same closed-loop page and see its charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    StageTransition,
    Touchpoint,
)
from tandem.people.models import User
from tests.e2e.test_browser import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def revenue() -> None:
    """Six contacts along the funnel in January 2026, two of them on a won deal."""
    cache.clear()
    webinar = Campaign.objects.create(
        name="Spring webinar", channel="webinar", actual_cost=Decimal("2500")
    )
    account = Account.objects.create(name="Northwind", industry="Software", employee_count=300)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    path = ["lead", "mql", "sal", "sql", "opportunity", "customer"]
    contacts = []
    for n in range(6):
        contact = Contact.objects.create(
            email=f"buyer{n}@northwind.example",
            lifecycle_stage=path[n],
            source_channel="webinar",
            original_campaign=webinar,
            account=account,
        )
        Contact.objects.filter(pk=contact.pk).update(created_at=start)
        before = ""
        for step, stage in enumerate(path[: n + 1]):
            StageTransition.objects.create(
                contact=contact,
                from_stage=before,
                to_stage=stage,
                kind="advance",
                occurred_at=start + timedelta(days=3 * step),
            )
            before = stage
        Touchpoint.objects.create(
            contact=contact,
            campaign=webinar,
            channel="webinar",
            type="webinar_attended",
            occurred_at=start + timedelta(days=1),
            idempotency_key=f"e2e-closed-loop-{n}",
        )
        contacts.append(contact)
    deal = Opportunity.objects.create(
        account=account,
        name="Northwind platform",
        amount=Decimal("42000"),
        outcome="won",
        stage="closed_won",
        created_at=start + timedelta(days=12),
        close_date=date(2026, 2, 20),
    )
    for contact in contacts[4:]:
        OpportunityContact.objects.create(opportunity=deal, contact=contact, role="champion")


def _sees_the_closed_loop(page: Page, base: str, user: User) -> None:
    log_in(page, base, user)
    page.get_by_role("link", name="Closed loop", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Closed-loop reporting")
    # Plotly draws the funnel into the chart's element.
    funnel = page.locator("#funnel-section [data-chart='funnel-chart']")
    expect(funnel).to_have_class(re.compile(r"\bjs-plotly-plot\b"))
    expect(funnel.locator(".funnellayer")).to_have_count(1)
    expect(funnel).to_contain_text("Opportunity")
    # The deal sections arrive after the page, each with its own chart or table.
    expect(page.locator("#credit-section .js-plotly-plot").first).to_be_visible()
    expect(page.locator("#credit-section")).to_contain_text("Webinar")
    expect(page.locator("#roi-section table")).to_contain_text("Spring webinar")


def test_marketing_and_sales_see_the_funnel_chart(
    page: Page, live_server: Any, marketer: User, rep: User, revenue: None
) -> None:
    _sees_the_closed_loop(page, live_server.url, marketer)
    log_out(page)
    _sees_the_closed_loop(page, live_server.url, rep)


def test_changing_the_breakdown_or_the_models_swaps_only_their_section(
    page: Page, live_server: Any, manager: User, revenue: None
) -> None:
    log_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/closed-loop/")
    expect(page.locator("#roi-section table")).to_be_visible()

    page.get_by_label("Break down by").select_option("industry")

    expect(page.locator(".cl-breakdown")).to_contain_text("Software")
    # The address follows, so the view can be bookmarked or shared.
    expect(page).to_have_url(re.compile(r"/closed-loop/\?.*\bby=industry\b"))
    expect(page.locator("#funnel-section .js-plotly-plot")).to_have_count(1)
    expect(page.locator("#roi-section table")).to_be_visible()

    page.get_by_label("Data-driven: Markov chain").check()

    expect(page.locator("#roi-section thead")).to_contain_text("Data-driven: Markov chain")
    expect(page).to_have_url(re.compile(r"models=markov"))
    expect(page.locator(".cl-breakdown")).to_contain_text("Software")  # untouched
