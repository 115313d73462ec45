"""Reads of the revenue data. Each returns a queryset shaped for its page, N+1-free."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    StageTransition,
    Touchpoint,
)
from tandem.errors import NotFound
from tandem.people.models import User


@dataclass(frozen=True, kw_only=True)
class ContactFilters:
    q: str = ""
    stage: str = ""
    owner_id: int | None = None
    unowned: bool = False
    min_score: int | None = None
    max_score: int | None = None
    grade: str = ""


def contact_list(filters: ContactFilters, *, user: User) -> QuerySet[Contact]:
    """Contacts matching the filters, newest activity first.

    Every role may see every contact (one shared view of the funnel is the point);
    ``user`` is here so the rule has one place to change if that ever narrows.
    """
    del user
    qs = Contact.objects.select_related("account", "owner")
    if filters.q:
        term = filters.q.strip()
        match = (
            Q(email__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(account__name__icontains=term)
        )
        first, _, last = term.partition(" ")
        if last:
            match |= Q(first_name__icontains=first, last_name__icontains=last.strip())
        qs = qs.filter(match)
    if filters.stage:
        qs = qs.filter(lifecycle_stage=filters.stage)
    if filters.unowned:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.min_score is not None:
        qs = qs.filter(fit_score__gte=filters.min_score)
    if filters.max_score is not None:
        qs = qs.filter(fit_score__lte=filters.max_score)
    if filters.grade:
        qs = qs.filter(grade__iexact=filters.grade)
    return qs.order_by("-updated_at", "-id")


def contact_for_user(contact_id: int, *, user: User) -> Contact:
    """One contact, or NotFound (the same error whether missing or hidden)."""
    del user
    contact = (
        Contact.objects.select_related("account", "owner", "original_campaign")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise NotFound(f"No contact with id {contact_id}.")
    return contact


def contact_timeline(contact: Contact, *, limit: int = 100) -> list[Touchpoint]:
    return list(
        Touchpoint.objects.filter(contact=contact)
        .select_related("campaign")
        .order_by("-occurred_at", "-id")[:limit]
    )


def contact_history(contact: Contact) -> list[StageTransition]:
    return list(
        StageTransition.objects.filter(contact=contact)
        .select_related("actor", "definition_version")
        .order_by("-occurred_at", "-id")
    )


def account_for_user(account_id: int, *, user: User) -> Account:
    del user
    account = Account.objects.select_related("owner").filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"No account with id {account_id}.")
    return account


def campaign_by_id(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(f"No campaign with id {campaign_id}.")
    return campaign


def opportunity_for_user(opportunity_id: int, *, user: User) -> Opportunity:
    del user
    opportunity = (
        Opportunity.objects.select_related("account", "owner")
        .prefetch_related("committee__contact")
        .filter(pk=opportunity_id)
        .first()
    )
    if opportunity is None:
        raise NotFound(f"No opportunity with id {opportunity_id}.")
    return opportunity


@dataclass(frozen=True, kw_only=True)
class OpportunityFilters:
    q: str = ""  # in the opportunity's or its account's name
    outcome: str = ""
    owner_id: int | None = None
    unowned: bool = False


def opportunity_list(filters: OpportunityFilters, *, user: User) -> QuerySet[Opportunity]:
    """Opportunities matching the filters, newest first; every role may read them all."""
    del user
    qs = Opportunity.objects.select_related("account", "owner")
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(account__name__icontains=term))
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.unowned:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    return qs.order_by("-created_at", "-id")
