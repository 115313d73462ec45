"""A deal whose buying committee was touched by known campaigns, for tests of its credit."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    Touchpoint,
)
from tandem.people.models import User

_numbers = itertools.count(1)
GUIDE_URL = "https://northwind.example/guides/revenue-playbook.pdf"


def touched_deal(
    *,
    owner: User | None,
    outcome: str = "open",
    amount: str = "40000",
    name: str = "Northwind platform",
    touches: tuple[int, int] = (2, 2),
) -> Opportunity:
    """An opportunity with a two-person committee and touches from two campaigns.

    The first campaign is a webinar, the second an e-book download whose touches carry
    the content's url; ``touches`` says how many touches each campaign made (spread over
    the committee, all before the deal was created). Written straight to the store, so
    no service runs and no signal is sent.
    """
    n = next(_numbers)
    now = timezone.now()
    account = Account.objects.create(name=f"Northwind Analytics {n}", industry="Software")
    champion = Contact.objects.create(
        email=f"dana{n}@northwind.example",
        first_name="Dana",
        last_name="Kim",
        job_title="VP Marketing",
        account=account,
        lifecycle_stage="opportunity",
    )
    buyer = Contact.objects.create(
        email=f"lee{n}@northwind.example",
        first_name="Lee",
        last_name="Park",
        job_title="CFO",
        account=account,
        lifecycle_stage="opportunity",
    )
    webinar = Campaign.objects.create(name="Spring webinar", channel="webinar")
    ebook = Campaign.objects.create(name="Revenue e-book", channel="content_syndication")
    created = now - timedelta(days=20)
    opportunity = Opportunity.objects.create(
        account=account,
        name=name,
        amount=Decimal(amount),
        owner=owner,
        outcome=outcome,
        stage="closed_won" if outcome == "won" else "proposal",
        created_at=created,
        close_date=now.date() if outcome == "won" else None,
    )
    OpportunityContact.objects.create(opportunity=opportunity, contact=champion, role="champion")
    OpportunityContact.objects.create(opportunity=opportunity, contact=buyer, role="decision_maker")
    people = [champion, buyer]
    rows = []
    for k in range(touches[0]):
        rows.append(
            Touchpoint(
                contact=people[k % 2],
                campaign=webinar,
                channel="webinar",
                type="webinar_attended",
                occurred_at=created - timedelta(days=30 - k),
                idempotency_key=f"deal{n}-webinar-{k}",
            )
        )
    for k in range(touches[1]):
        rows.append(
            Touchpoint(
                contact=people[k % 2],
                campaign=ebook,
                channel="content_syndication",
                type="content_download",
                url=GUIDE_URL,
                occurred_at=created - timedelta(days=20 - k),
                idempotency_key=f"deal{n}-ebook-{k}",
            )
        )
    Touchpoint.objects.bulk_create(rows)
    return opportunity
