"""The busiest pages issue a fixed number of queries, however much data there is.

Each test measures a page on a small data set, adds many more rows of every kind the
page shows, and measures again: a count that grows with the data is an N+1 query.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.core.permissions import Role
from tandem.crm.models import Account, Campaign, Contact, StageTransition, Touchpoint
from tandem.people.models import User
from tandem.qualification.models import DefinitionVersion, VersionStatus

pytestmark = pytest.mark.django_db

# Session, user, the unread count of the inbox badge, the page's count, its rows, the
# owners for the owner filter.
CONTACT_LIST_QUERIES = 6
# Session, user, the unread count, contact (with account, owner, campaign), timeline,
# history, then the active MQL and SQL versions and the values each is evaluated against.
CONTACT_PAGE_QUERIES = 10

_numbers = itertools.count(1)


def _add_people(make_user: Callable[..., User], n: int) -> list[User]:
    return [
        make_user(Role.SALES_REP, f"rep{next(_numbers)}", first_name=f"Rep{k}") for k in range(n)
    ]


def _add_contacts(n: int, *, owners: list[User], stage: str = "lead") -> list[Contact]:
    accounts = Account.objects.bulk_create(
        Account(name=f"Acme {next(_numbers)}", industry="Software") for _ in range(n)
    )
    return Contact.objects.bulk_create(
        Contact(
            email=f"person{next(_numbers)}@acme.io",
            first_name="Pat",
            last_name=f"Lee{k}",
            account=accounts[k],
            owner=owners[k % len(owners)],
            lifecycle_stage=stage,
            fit_score=50 + k % 50,
            grade="A1",
        )
        for k in range(n)
    )


def _add_activity(contact: Contact, n: int, *, actors: list[User]) -> None:
    campaigns = Campaign.objects.bulk_create(
        Campaign(name=f"Campaign {next(_numbers)}", channel="email") for _ in range(n)
    )
    versions = DefinitionVersion.objects.bulk_create(
        DefinitionVersion(
            kind="mql",
            number=next(_numbers),
            criteria="fit_score >= 60",
            status=VersionStatus.SUPERSEDED,
            proposed_at=timezone.now(),
        )
        for _ in range(n)
    )
    now = timezone.now()
    Touchpoint.objects.bulk_create(
        Touchpoint(
            contact=contact,
            campaign=campaigns[k],
            channel="email",
            type="email_click",
            occurred_at=now - timedelta(hours=k + 1),
            idempotency_key=f"k{next(_numbers)}",
        )
        for k in range(n)
    )
    StageTransition.objects.bulk_create(
        StageTransition(
            contact=contact,
            from_stage="lead",
            to_stage="mql",
            kind="advance",
            occurred_at=now - timedelta(hours=k + 1),
            actor=actors[k % len(actors)] if k % 2 else None,
            rule="" if k % 2 else "mql_definition",
            definition_version=None if k % 2 else versions[k],
            reason=f"Step {k}",
        )
        for k in range(n)
    )


def _activate_definitions() -> None:
    for kind, criteria in (("mql", "fit_score >= 60"), ("sql", 'industry == "Software"')):
        DefinitionVersion.objects.create(
            kind=kind,
            number=10_000,
            criteria=criteria,
            status=VersionStatus.ACTIVE,
            proposed_at=timezone.now(),
            activated_at=timezone.now(),
        )


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def browser(client: Client, marketer: User) -> Client:
    client.force_login(marketer)
    # The first request of a session may do one-off work; measure from the second.
    client.get("/")
    return client


@pytest.mark.parametrize("path", ["/contacts/", "/contacts/?stage=lead", "/contacts/?q=pat"])
def test_contact_list_queries_do_not_grow_with_the_data(browser, make_user, path):
    owners = _add_people(make_user, 2)
    _add_contacts(3, owners=owners)
    small = _queries(browser, path)

    more_owners = _add_people(make_user, 10)
    _add_contacts(120, owners=more_owners)
    _add_contacts(40, owners=more_owners, stage="mql")
    large = _queries(browser, path)

    assert small == large == CONTACT_LIST_QUERIES


def test_contact_list_page_is_full_on_the_large_data_set(browser, make_user):
    _add_contacts(120, owners=_add_people(make_user, 10))

    response = browser.get("/contacts/?stage=lead")

    assert response.content.decode().count('<tr>\n        <td><a href="/contacts/') == 50


def test_htmx_contact_list_queries_are_fixed_too(browser, make_user):
    owners = _add_people(make_user, 2)
    _add_contacts(3, owners=owners)
    with CaptureQueriesContext(connection) as small:
        browser.get("/contacts/?stage=lead", HTTP_HX_REQUEST="true")
    _add_contacts(120, owners=_add_people(make_user, 10))
    with CaptureQueriesContext(connection) as large:
        browser.get("/contacts/?stage=lead", HTTP_HX_REQUEST="true")

    assert len(small.captured_queries) == len(large.captured_queries) <= CONTACT_LIST_QUERIES


def test_contact_page_queries_do_not_grow_with_its_timeline(browser, make_user):
    _activate_definitions()
    actors = _add_people(make_user, 2)
    (contact,) = _add_contacts(1, owners=actors)
    Contact.objects.filter(pk=contact.pk).update(
        original_campaign=Campaign.objects.create(name="Origin", channel="webinar")
    )
    _add_activity(contact, 3, actors=actors)
    path = f"/contacts/{contact.pk}/"
    small = _queries(browser, path)

    _add_activity(contact, 150, actors=_add_people(make_user, 12))
    _add_contacts(50, owners=actors)
    large = _queries(browser, path)

    assert small == large == CONTACT_PAGE_QUERIES


def test_contact_page_without_make_versions_skips_their_queries(browser, make_user):
    actors = _add_people(make_user, 1)
    (contact,) = _add_contacts(1, owners=actors)
    _add_activity(contact, 20, actors=actors)

    # Two look-ups for the active versions find nothing, so nothing is evaluated.
    assert _queries(browser, f"/contacts/{contact.pk}/") == CONTACT_PAGE_QUERIES - 2
