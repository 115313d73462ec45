from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.closedloop.models import AttributionSettings
from tandem.crm.models import Account, Contact, Opportunity, OpportunityContact
from tandem.notifications.models import Notification
from tests.closedloop.deals import touched_deal

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def _listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<td><a href="/opportunities/\d+/">([^<]+)</a></td>', _text(response))


@pytest.fixture
def deals(rep, make_user):
    """A won deal of the rep's (touched by two campaigns), and an open and a lost deal."""
    rita = make_user("sales_rep", "rita", first_name="Rita")
    won = touched_deal(owner=rep, outcome="won", name="Northwind platform")
    globex = Account.objects.create(name="Globex")
    now = timezone.now()
    Opportunity.objects.create(
        account=globex,
        name="Globex pilot",
        amount=Decimal("9000"),
        owner=rita,
        created_at=now - timedelta(days=3),
    )
    Opportunity.objects.create(
        account=globex,
        name="Globex renewal",
        amount=Decimal("3000"),
        outcome="lost",
        stage="closed_lost",
        lost_reason="Chose a competitor",
        created_at=now - timedelta(days=40),
    )
    return {"won": won, "rita": rita}


# The list --------------------------------------------------------------------------------


def test_list_renders_for_every_role(browser_as, any_role, deals):
    response = browser_as(any_role).get("/opportunities/")

    assert response.status_code == 200
    assert "<h1>Opportunities</h1>" in _text(response)
    assert sorted(_listed(response)) == ["Globex pilot", "Globex renewal", "Northwind platform"]
    assert 'href="/opportunities/"' in _text(response)  # the nav link


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Globex pilot", "Northwind platform", "Globex renewal"]),
        ("?outcome=won", ["Northwind platform"]),
        ("?outcome=lost", ["Globex renewal"]),
        ("?outcome=open", ["Globex pilot"]),
        ("?q=northwind", ["Northwind platform"]),  # the account's name
        ("?q=renewal", ["Globex renewal"]),  # the deal's name
        ("?q=globex&outcome=open", ["Globex pilot"]),
        ("?owner=me", ["Northwind platform"]),
        ("?owner=none", ["Globex renewal"]),
        (
            "?outcome=bogus&owner=xyz&page=99",
            ["Globex pilot", "Northwind platform", "Globex renewal"],
        ),
        # Beyond what the database can hold: no filter, not an overflow.
        (
            "?owner=99999999999999999999",
            ["Globex pilot", "Northwind platform", "Globex renewal"],
        ),
    ],
)
def test_list_filters(browser_as, rep, deals, query, expected):
    response = browser_as(rep).get(f"/opportunities/{query}")

    assert response.status_code == 200
    assert _listed(response) == expected


def test_list_filters_by_a_given_owner(browser_as, marketer, deals):
    response = browser_as(marketer).get(f"/opportunities/?owner={deals['rita'].pk}")

    assert _listed(response) == ["Globex pilot"]


def test_list_pages_by_fifty(browser_as, marketer):
    account = Account.objects.create(name="Acme")
    now = timezone.now()
    Opportunity.objects.bulk_create(
        Opportunity(account=account, name=f"Deal {n}", amount=1, created_at=now) for n in range(51)
    )

    first = browser_as(marketer).get("/opportunities/?outcome=open")
    second = browser_as(marketer).get("/opportunities/?outcome=open&page=2")

    assert len(_listed(first)) == 50
    assert "Page 1 of 2" in _text(first)
    assert 'href="?outcome=open&page=2"' in _text(first)
    assert len(_listed(second)) == 1


def test_htmx_request_gets_only_the_results(browser_as, marketer, deals):
    response = browser_as(marketer).get("/opportunities/?outcome=won", HTTP_HX_REQUEST="true")

    text = response.content.decode().strip()
    assert text.startswith('<div id="results">')
    assert "<form" not in text
    assert _listed(response) == ["Northwind platform"]
    assert response["Vary"].count("HX-Request") == 1


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_queries_do_not_grow_with_the_data(browser_as, marketer, make_user):
    client = browser_as(marketer)
    client.get("/")
    touched_deal(owner=make_user("sales_rep"))
    small = _queries(client, "/opportunities/?q=northwind")

    for _ in range(8):
        touched_deal(owner=make_user("sales_rep"), outcome="won")
    large = _queries(client, "/opportunities/?q=northwind")

    # Session, user, unread count, the page's count, its rows, the owners to filter by.
    assert small == large == 6


# One deal -----------------------------------------------------------------------------------


def test_page_renders_for_every_role(browser_as, any_role, deals):
    deal = deals["won"]
    settings_row = AttributionSettings.current()
    settings_row.model = "linear"
    settings_row.save()

    response = browser_as(any_role).get(f"/opportunities/{deal.pk}/")

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Northwind platform</h1>" in text
    assert "USD 40,000.00" in text
    assert "Closed won" in text
    # The buying committee, each with their role, linked to their contact page.
    dana = Contact.objects.get(committee_roles__opportunity=deal, first_name="Dana")
    assert f'<a href="/contacts/{dana.pk}/">Dana Kim</a></td> <td>Champion</td>' in text
    assert "Decision maker" in text
    # Marketing's credit, under the workspace's model.
    assert "Marketing credit" in text
    assert "<strong>Linear</strong>" in text
    assert "Spring webinar" in text
    assert "Revenue e-book" in text
    assert "revenue-playbook.pdf" in text
    assert text.count("50%") == 2
    assert "USD 20,000" in text


def test_page_names_the_workspace_model(browser_as, marketer, deals):
    settings_row = AttributionSettings.current()
    settings_row.model = "u_shaped"
    settings_row.save()

    text = _text(browser_as(marketer).get(f"/opportunities/{deals['won'].pk}/"))

    assert "<strong>U-shaped (40/20/40)</strong>" in text


def test_page_of_a_deal_nothing_touched(browser_as, marketer):
    deal = Opportunity.objects.create(
        account=Account.objects.create(name="Quiet"),
        name="Quiet deal",
        amount=10,
        created_at=timezone.now(),
    )

    text = _text(browser_as(marketer).get(f"/opportunities/{deal.pk}/"))

    assert "No buying committee recorded yet." in text
    assert "No campaign or content touched this deal" in text


def test_missing_deal_is_a_404_page(browser_as, marketer):
    response = browser_as(marketer).get("/opportunities/999999/")

    assert response.status_code == 404
    assert "No opportunity with id 999999." in _text(response)


def test_page_queries_do_not_grow_with_the_committee(browser_as, marketer):
    client = browser_as(marketer)
    client.get("/")
    deal = touched_deal(owner=None, outcome="won")
    path = f"/opportunities/{deal.pk}/"
    client.get(path)  # the first look at the settings creates them
    small = _queries(client, path)

    contacts = Contact.objects.bulk_create(
        Contact(email=f"extra{n}@northwind.example", first_name=f"Extra{n}") for n in range(30)
    )
    OpportunityContact.objects.bulk_create(
        OpportunityContact(opportunity=deal, contact=c, role="influencer") for c in contacts
    )
    large = _queries(client, path)

    assert small == large


# Changing the stage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "can_edit"),
    [("rep", True), ("manager", True), ("admin_user", True), ("marketer", False), ("rita", False)],
)
def test_only_those_who_may_edit_get_the_stage_form(request, browser_as, deals, who, can_edit):
    user = deals["rita"] if who == "rita" else request.getfixturevalue(who)

    text = _text(browser_as(user).get(f"/opportunities/{deals['won'].pk}/"))

    assert ("Save stage" in text) is can_edit
    assert ("Only the owner, a sales manager or an admin can change this deal." in text) is (
        not can_edit
    )


def test_owner_wins_the_deal_and_marketing_is_told(
    browser_as, rep, marketer, make_user, django_capture_on_commit_callbacks
):
    deal = touched_deal(owner=rep)
    make_user("sales_manager", "sam")

    with django_capture_on_commit_callbacks(execute=True):
        response = browser_as(rep).post(
            f"/opportunities/{deal.pk}/stage/", {"stage": "closed_won"}, follow=True
        )

    assert "Moved to Closed won. The owner and marketing will be told" in _text(response)
    deal.refresh_from_db()
    assert (deal.stage, deal.outcome) == ("closed_won", "won")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "maria",
        "ray",
    ]


def test_an_open_stage_reopens_a_won_deal(browser_as, rep, deals):
    browser_as(rep).post(f"/opportunities/{deals['won'].pk}/stage/", {"stage": "negotiation"})

    deal = Opportunity.objects.get(pk=deals["won"].pk)
    assert (deal.stage, deal.outcome) == ("negotiation", "open")


def test_closing_lost_needs_a_reason(browser_as, rep, deals):
    response = browser_as(rep).post(
        f"/opportunities/{deals['won'].pk}/stage/", {"stage": "closed_lost"}, follow=True
    )

    assert "A lost opportunity needs a lost reason." in _text(response)
    assert Opportunity.objects.get(pk=deals["won"].pk).outcome == "won"


def test_another_rep_cannot_change_the_stage(browser_as, deals):
    response = browser_as(deals["rita"]).post(
        f"/opportunities/{deals['won'].pk}/stage/", {"stage": "negotiation"}, follow=True
    )

    assert "may not edit opportunity on records you do not own" in _text(response)
    assert Opportunity.objects.get(pk=deals["won"].pk).stage == "closed_won"


def test_a_bogus_stage_is_refused(browser_as, manager, deals):
    response = browser_as(manager).post(
        f"/opportunities/{deals['won'].pk}/stage/", {"stage": "bogus"}, follow=True
    )

    assert "stage:" in _text(response)
    assert Opportunity.objects.get(pk=deals["won"].pk).stage == "closed_won"
