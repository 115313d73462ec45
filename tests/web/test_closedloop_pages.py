"""The closed-loop page: every role sees it, filters are checked, sections swap alone."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.closedloop.models import AttributionSettings
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

pytestmark = pytest.mark.django_db

# Session, user, the workspace's attribution settings, the inbox badge in the menu,
# contacts, their transitions and the opportunities. Campaign names are read too when
# the funnel is broken down by campaign.
PAGE_QUERIES = 7
HTMX = {"HTTP_HX_REQUEST": "true"}
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def _section(target: str) -> dict[str, str]:
    return {**HTMX, "HTTP_HX_TARGET": target}


def _add_funnel(n: int, *, month: int = 1) -> list[Contact]:
    """``n`` contacts created in ``month`` of 2026, each a lead that became an MQL."""
    campaign = Campaign.objects.create(
        name=f"Campaign {next(_numbers)}", channel="webinar", actual_cost=Decimal("500")
    )
    account = Account.objects.create(name=f"Acme {next(_numbers)}", industry="Software")
    created = datetime(2026, month, 3, 9, 0, tzinfo=UTC)
    contacts = Contact.objects.bulk_create(
        Contact(
            email=f"p{next(_numbers)}@acme.example",
            lifecycle_stage="mql",
            source_channel="webinar",
            original_campaign=campaign,
            account=account,
            created_at=created,
        )
        for _ in range(n)
    )
    Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(created_at=created)
    StageTransition.objects.bulk_create(
        StageTransition(
            contact=c,
            from_stage=before,
            to_stage=after,
            kind="advance",
            occurred_at=created + timedelta(days=days),
        )
        for c in contacts
        for before, after, days in (("", "lead", 0), ("lead", "mql", 2))
    )
    return contacts


def _add_deal(contact: Contact, *, amount: int = 10_000, outcome: str = "won") -> Opportunity:
    created = datetime(2026, 1, 20, tzinfo=UTC)
    assert contact.account is not None
    deal = Opportunity.objects.create(
        account=contact.account,
        name=f"Deal {next(_numbers)}",
        amount=Decimal(amount),
        outcome=outcome,
        created_at=created,
        close_date=date(2026, 2, 19) if outcome != "open" else None,
    )
    OpportunityContact.objects.create(opportunity=deal, contact=contact, role="champion")
    Touchpoint.objects.create(
        contact=contact,
        campaign=contact.original_campaign,
        channel="webinar",
        type="webinar_attended",
        occurred_at=created - timedelta(days=5),
        idempotency_key=f"cl-{next(_numbers)}",
    )
    return deal


@pytest.fixture
def data(db: None) -> list[Contact]:
    contacts = _add_funnel(4)
    _add_deal(contacts[0])
    _add_deal(contacts[1], outcome="lost", amount=4_000)
    return contacts


def _queries(client: Client, path: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200, _text(response)
    return len(captured.captured_queries)


# -- every role -----------------------------------------------------------------------


def test_every_role_sees_the_page_with_its_funnel_chart(browser_as, any_role, data):
    response = browser_as(any_role).get("/closed-loop/")

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Closed-loop reporting</h1>" in text
    assert "/static/vendor/plotly/plotly.min.js" in text
    assert 'id="funnel-chart"' in text
    assert 'id="cohort-chart"' in text
    # Four leads, all MQLs; both deals decided, one won: 50.0 % win rate.
    assert '<td class="num">4</td> <td class="num">100.0%</td>' in text
    assert "50.0%" in text
    # Deal-level sections load once the page is shown.
    assert 'hx-target="#credit-section"' in text and 'hx-target="#roi-section"' in text
    assert '<a href="/closed-loop/" aria-current="page">Closed loop</a>' in text


def test_every_role_sees_the_deal_sections(browser_as, any_role, data):
    client = browser_as(any_role)

    credit = client.get("/closed-loop/", **_section("credit-section"))
    roi = client.get("/closed-loop/", **_section("roi-section"))

    assert credit.status_code == roi.status_code == 200
    credit_text, roi_text = _text(credit), _text(roi)
    assert "<html" not in credit_text and "<html" not in roi_text  # fragments only
    assert "Influenced figures are not additive." in credit_text
    assert 'id="credit-chart"' in credit_text and 'id="generated-chart"' in credit_text
    assert "Marketing-generated" in credit_text
    assert "Campaign ROI by attribution model" in roi_text
    assert "USD\N{NO-BREAK SPACE}500" in roi.content.decode()  # the campaign's cost


def test_inline_renders_every_section_at_once_for_browsers_without_javascript(
    browser_as, marketer, data
):
    text = _text(browser_as(marketer).get("/closed-loop/?inline=1"))

    assert 'id="funnel-chart"' in text and 'id="credit-chart"' in text
    assert "Campaign ROI by attribution model" in text
    assert 'hx-trigger="load"' not in text


# -- filters --------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["cohort", "channel", "campaign", "industry", "size"])
def test_every_breakdown_renders(browser_as, rep, data, by):
    response = browser_as(rep).get(f"/closed-loop/?by={by}", **_section("funnel-section"))

    assert response.status_code == 200
    text = _text(response)
    assert f'<option value="{by}" selected>' in text
    assert 'id="funnel-chart"' in text


def test_the_breakdown_by_campaign_names_each_campaign(browser_as, manager, data):
    campaign = data[0].original_campaign
    assert campaign is not None

    text = _text(browser_as(manager).get("/closed-loop/?by=campaign"))

    assert f'<th scope="row">{campaign.name}</th>' in text


def test_a_range_with_no_contacts_shows_empty_states(browser_as, marketer, data):
    client = browser_as(marketer)

    page = _text(client.get("/closed-loop/?from=2030-01&to=2030-02"))
    credit = _text(client.get("/closed-loop/?from=2030-01", **_section("credit-section")))

    assert "No contacts with a recorded stage history were created in this range." in page
    assert 'id="funnel-chart"' not in page
    assert "No opportunity created in this range has a recorded touch" in credit
    assert "No opportunities were created in this range." in credit


def test_the_range_filters_by_month_created(browser_as, marketer, data):
    _add_funnel(3, month=4)

    text = _text(browser_as(marketer).get("/closed-loop/?from=2026-04&to=2026-04"))

    assert "3 of 3 leads became customers" not in text
    assert "0 of 3 leads became customers" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13", "From: “2026-13” is not a month; write it as YYYY-MM, e.g. 2026-03."),
        ("to=9999-12", "To: “9999-12” is not a month; write it as YYYY-MM, e.g. 2026-03."),
        ("to=last+year", "To: “last year” is not a month; write it as YYYY-MM, e.g. 2026-03."),
        (
            "from=2026-05&to=2026-02",
            "To: the range ends (2026-02) before it starts (2026-05).",
        ),
        ("by=planet", "Break down by: “planet” is not one of cohort, channel, campaign"),
        ("group=region", "Group by: “region” is not one of channel, campaign."),
        ("models=markov&models=magic", "Models: unknown “magic”; choose from first_touch"),
    ],
)
def test_bad_filters_are_explained_and_nothing_is_computed(browser_as, rep, data, query, message):
    response = browser_as(rep).get(f"/closed-loop/?{query}")

    assert response.status_code == 400
    text = _text(response)
    assert message in text
    assert "Some filters could not be read, so no report is shown." in text
    assert 'id="funnel-chart"' not in text


def test_bad_filters_in_an_htmx_swap_answer_200_so_the_message_is_shown(browser_as, rep, data):
    response = browser_as(rep).get("/closed-loop/?models=magic", **_section("roi-section"))

    assert response.status_code == 200
    text = _text(response)
    assert "Models: unknown “magic”" in text
    assert "<table" not in text


def test_the_form_keeps_what_was_typed(browser_as, rep, data):
    text = _text(browser_as(rep).get("/closed-loop/?from=2026-13"))

    assert 'name="from" value="2026-13"' in text
    assert 'aria-invalid="true"' in text


def test_roi_compares_the_chosen_models_side_by_side(browser_as, admin_user, data):
    path = "/closed-loop/?models=first_touch&models=markov&models=w_shaped"

    text = _text(browser_as(admin_user).get(path, **_section("roi-section")))

    headers = re.findall(r'<th scope="colgroup" colspan="2" class="cl-group">([^<]+)', text)
    assert headers == [
        "First touch",
        "Data-driven: Markov chain",
        "W-shaped (first touch, lead, opportunity) ",  # then "(workspace)"
    ]
    assert 'value="markov" form="cl-filters" checked' in text
    assert 'value="linear" form="cl-filters">' in text


def test_roi_starts_from_the_workspace_model(browser_as, marketer, data):
    settings_row = AttributionSettings.current()
    settings_row.model = "time_decay"
    settings_row.save()

    text = _text(browser_as(marketer).get("/closed-loop/", **_section("roi-section")))

    headers = re.findall(r'<th scope="colgroup" colspan="2" class="cl-group">([^<]+)', text)
    assert headers == ["Time decay ", "First touch", "Last touch"]  # "(workspace)" follows
    assert "The workspace's model is Time decay." in text


# -- cost -----------------------------------------------------------------------------


@pytest.fixture
def browser(client: Client, marketer: User) -> Client:
    client.force_login(marketer)
    client.get("/")  # the first request of a session may do one-off work
    AttributionSettings.current()
    return client


@pytest.mark.parametrize("query", ["", "?by=channel", "?from=2026-01&to=2026-06"])
def test_page_queries_do_not_grow_with_the_data(browser, query):
    contacts = _add_funnel(3)
    _add_deal(contacts[0])
    small = _queries(browser, f"/closed-loop/{query}")

    for month in (1, 2, 3):
        more = _add_funnel(40, month=month)
        for contact in more[:10]:
            _add_deal(contact)
    large = _queries(browser, f"/closed-loop/{query}")

    assert small == large <= PAGE_QUERIES


@pytest.mark.parametrize("section", ["credit-section", "roi-section", "funnel-section"])
def test_section_queries_do_not_grow_with_the_data(browser, section):
    contacts = _add_funnel(3)
    _add_deal(contacts[0])
    small = _queries(browser, "/closed-loop/?group=campaign", **_section(section))
    cache.clear()

    more = _add_funnel(60, month=2)
    for contact in more[:20]:
        _add_deal(contact, outcome="open")
    large = _queries(browser, "/closed-loop/?group=campaign", **_section(section))

    assert small == large


def test_the_filter_form_swaps_the_whole_report_with_its_ratios(browser_as, marketer, data):
    response = browser_as(marketer).get("/closed-loop/?from=2026-01", **_section("report"))

    text = _text(response)
    assert response.status_code == 200
    assert "<html" not in text
    assert 'id="funnel-chart"' in text and 'id="cohort-chart"' in text
    assert "Opportunity win rate" in text and "Sales velocity" in text
    assert 'hx-target="#credit-section"' in text  # deal sections follow


def test_an_empty_store_shows_empty_states_everywhere(browser_as, marketer):
    client = browser_as(marketer)

    page = _text(client.get("/closed-loop/"))
    credit = _text(client.get("/closed-loop/", **_section("credit-section")))
    roi = _text(client.get("/closed-loop/", **_section("roi-section")))

    assert "No contacts with a recorded stage history were created in this range." in page
    assert '<p class="cl-figure">—</p>' in page  # close ratio, win rate, velocity unknown
    assert "No opportunity created in this range has a recorded touch" in credit
    assert "There are no campaigns yet." in roi
