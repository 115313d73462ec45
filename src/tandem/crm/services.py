"""Use cases that change the revenue data. Each runs in one transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from tandem.core import lifecycle
from tandem.core.permissions import Action, Role
from tandem.crm.choices import Outcome
from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    StageTransition,
    Touchpoint,
)
from tandem.crm.signals import opportunity_won
from tandem.errors import Conflict, InvalidInput
from tandem.people.access import require
from tandem.people.models import User

MAX_BATCH = 1000
logger = logging.getLogger(__name__)


def _clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's field validation and turn it into one InvalidInput naming each field."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        # The same shape as the API's request validation errors, so a client reads
        # every 422 the same way whichever layer refused the input.
        errors = [
            {"field": field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        first = errors[0]
        raise InvalidInput(
            f"{first['field']}: {first['message']}", field=first["field"], errors=errors
        ) from None


def _resolve(model: type[models.Model], pk: Any, field: str) -> Any:
    if pk is None:
        return None
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(f"No {model._meta.verbose_name} with id {pk}.", field=field)
    return obj


def _resolve_owner(pk: Any) -> User | None:
    owner = _resolve(User, pk, "owner_id")
    if owner is not None and not owner.is_active:
        raise InvalidInput(f"User {owner} is deactivated and cannot own records.", field="owner_id")
    return owner


def _owns(actor: User | None, owner_id: int | None) -> bool:
    return actor is not None and owner_id == actor.pk


# Accounts -----------------------------------------------------------------------------

ACCOUNT_FIELDS = {"name", "domain", "industry", "employee_count", "annual_revenue", "country"}


def _apply_account(account: Account, data: Mapping[str, Any]) -> None:
    unknown = set(data) - ACCOUNT_FIELDS - {"owner_id"}
    if unknown:
        raise InvalidInput(f"Unknown account field(s): {', '.join(sorted(unknown))}.")
    for name in ACCOUNT_FIELDS & set(data):
        value = data[name]
        if name in {"domain"} and isinstance(value, str):
            value = value.strip().lower()
        if name == "country" and isinstance(value, str):
            value = value.strip().upper()
        setattr(
            account,
            name,
            "" if value is None and name in {"domain", "industry", "country"} else value,
        )
    if "owner_id" in data:
        account.owner = _resolve_owner(data["owner_id"])


@transaction.atomic
def create_account(*, actor: User | None, data: Mapping[str, Any]) -> Account:
    require(actor, Action.EDIT_ACCOUNT, owns=True)
    account = Account()
    _apply_account(account, data)
    if actor is not None and "owner_id" not in data and actor.role == Role.SALES_REP:
        # A rep may only edit accounts they own; without this, the account a rep
        # just created would be ownerless and closed to them at once.
        account.owner = actor
    _clean(account, exclude=["owner"])
    account.save()
    return account


@transaction.atomic
def update_account(account: Account, *, actor: User | None, changes: Mapping[str, Any]) -> Account:
    require(actor, Action.EDIT_ACCOUNT, owns=_owns(actor, account.owner_id))
    _apply_account(account, changes)
    _clean(account, exclude=["owner"])
    account.save()
    return account


# Contacts -----------------------------------------------------------------------------

CONTACT_FIELDS = {
    "email", "first_name", "last_name", "job_title", "seniority", "persona", "phone",
    "country", "source_channel",
}  # fmt: skip
CONTACT_LINKS = {"account_id": Account, "original_campaign_id": Campaign}


def _apply_contact(contact: Contact, data: Mapping[str, Any]) -> None:
    unknown = set(data) - CONTACT_FIELDS - set(CONTACT_LINKS) - {"owner_id", "lifecycle_stage"}
    if unknown:
        raise InvalidInput(f"Unknown contact field(s): {', '.join(sorted(unknown))}.")
    for name in CONTACT_FIELDS & set(data):
        value = data[name]
        value = "" if value is None else str(value).strip()
        if name == "email":
            value = value.lower()
        elif name == "country":
            value = value.upper()
        setattr(contact, name, value)
    for name, model in CONTACT_LINKS.items():
        if name in data:
            setattr(contact, name.removesuffix("_id"), _resolve(model, data[name], name))
    if "owner_id" in data:
        contact.owner = _resolve_owner(data["owner_id"])


def _check_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    taken = Contact.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    existing = taken.values_list("pk", flat=True).first()
    if existing is not None:
        raise Conflict(
            f"A contact with email {email} already exists (id {existing}).",
            field="email",
            existing_id=existing,
        )


def _save_contact(contact: Contact) -> None:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        # Lost a race with a concurrent insert of the same email.
        _check_email_free(contact.email, exclude_pk=contact.pk)
        raise


@transaction.atomic
def create_contact(*, actor: User | None, data: Mapping[str, Any]) -> Contact:
    require(actor, Action.EDIT_CONTACT, owns=True)
    stage = data.get("lifecycle_stage") or lifecycle.Stage.LEAD
    try:
        stage = lifecycle.Stage(stage)
    except ValueError:
        raise InvalidInput(
            f"Unknown lifecycle stage {stage!r}; expected one of "
            f"{', '.join(s.value for s in lifecycle.Stage)}.",
            field="lifecycle_stage",
        ) from None
    contact = Contact(lifecycle_stage=stage.value)
    _apply_contact(contact, {k: v for k, v in data.items() if k != "lifecycle_stage"})
    if actor is not None and "owner_id" not in data and actor.role in {"sales_rep"}:
        contact.owner = actor
    _clean(contact, exclude=["owner", "account", "original_campaign"])
    _check_email_free(contact.email)
    _save_contact(contact)
    StageTransition.objects.create(
        contact=contact,
        from_stage="",
        to_stage=contact.lifecycle_stage,
        kind="created",
        occurred_at=timezone.now(),
        actor=actor,
        reason="Contact created",
    )
    _auto_qualify(contact)
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, actor: User | None, changes: Mapping[str, Any]) -> Contact:
    require(actor, Action.EDIT_CONTACT, owns=_owns(actor, contact.owner_id))
    if "lifecycle_stage" in changes:
        raise InvalidInput(
            "Change the lifecycle stage through a transition, so it is checked and recorded.",
            field="lifecycle_stage",
        )
    _apply_contact(contact, changes)
    _clean(contact, exclude=["owner", "account", "original_campaign"])
    if "email" in changes:
        _check_email_free(contact.email, exclude_pk=contact.pk)
    _save_contact(contact)
    _auto_qualify(contact)
    return contact


def _auto_qualify(contact: Contact) -> None:
    # Imported here: qualification builds on crm, and this is the one call back.
    from tandem.qualification.services import qualify_contact

    qualify_contact(contact)


@transaction.atomic
def move_stage(
    contact: Contact,
    *,
    to_stage: str,
    actor: User | None,
    reason: str = "",
    rule: str = "",
    definition_version_id: int | None = None,
    at: datetime | None = None,
) -> StageTransition:
    """Move a contact along its lifecycle, as the state machine allows, and record it."""
    require(actor, Action.MOVE_STAGE, owns=_owns(actor, contact.owner_id))
    # Re-read under a row lock so two people moving the same contact cannot both win.
    locked = Contact.objects.select_for_update().only("pk", "lifecycle_stage").get(pk=contact.pk)
    planned = lifecycle.plan_transition(locked.lifecycle_stage, to_stage, reason=reason)
    now = at or timezone.now()
    Contact.objects.filter(pk=contact.pk).update(
        lifecycle_stage=planned.to_stage.value, updated_at=now
    )
    contact.lifecycle_stage = planned.to_stage.value
    contact.updated_at = now
    return StageTransition.objects.create(
        contact=contact,
        from_stage=planned.from_stage.value,
        to_stage=planned.to_stage.value,
        kind=planned.kind.value,
        occurred_at=now,
        actor=actor,
        rule=rule,
        reason=planned.reason,
        definition_version_id=definition_version_id,
    )


# Campaigns ----------------------------------------------------------------------------

CAMPAIGN_FIELDS = {
    "name", "channel", "utm_source", "utm_medium", "utm_campaign", "starts_on", "ends_on",
    "budget", "actual_cost",
}  # fmt: skip


def _apply_campaign(campaign: Campaign, data: Mapping[str, Any]) -> None:
    unknown = set(data) - CAMPAIGN_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown campaign field(s): {', '.join(sorted(unknown))}.")
    for name in CAMPAIGN_FIELDS & set(data):
        value = data[name]
        if value is None and name.startswith("utm_"):
            value = ""
        setattr(campaign, name, value)
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise InvalidInput("The campaign cannot end before it starts.", field="ends_on")


@transaction.atomic
def create_campaign(*, actor: User | None, data: Mapping[str, Any]) -> Campaign:
    require(actor, Action.EDIT_CAMPAIGN)
    campaign = Campaign()
    _apply_campaign(campaign, data)
    _clean(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def update_campaign(
    campaign: Campaign, *, actor: User | None, changes: Mapping[str, Any]
) -> Campaign:
    require(actor, Action.EDIT_CAMPAIGN)
    _apply_campaign(campaign, changes)
    _clean(campaign)
    campaign.save()
    return campaign


# Touchpoints --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TouchpointOutcome:
    index: int
    idempotency_key: str
    status: str  # "created" or "duplicate"
    id: int | None


TOUCHPOINT_FIELDS = {
    "contact_id", "campaign_id", "channel", "type", "occurred_at", "url", "utm_source",
    "utm_medium", "utm_campaign", "idempotency_key",
}  # fmt: skip


def record_touchpoints(
    items: list[Mapping[str, Any]], *, actor: User | None
) -> list[TouchpointOutcome]:
    """Record a batch of touchpoints, all or nothing, idempotent by key.

    A key seen before (in the store or earlier in the batch) creates nothing and is
    reported as a duplicate, so a client may safely resend a batch after a timeout.
    Every item is validated before anything is written; the first error names the
    item's index and field.
    """
    require(actor, Action.LOG_TOUCHPOINT)
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"A batch holds at most {MAX_BATCH} touchpoints; got {len(items)}.")
    contact_ids = {item["contact_id"] for item in items if isinstance(item.get("contact_id"), int)}
    campaign_ids = {
        item["campaign_id"] for item in items if isinstance(item.get("campaign_id"), int)
    }
    known_contacts = set(Contact.objects.filter(pk__in=contact_ids).values_list("pk", flat=True))
    campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=campaign_ids)}
    rows: list[Touchpoint] = []
    for index, item in enumerate(items):
        where = f"items[{index}]"
        unknown = set(item) - TOUCHPOINT_FIELDS
        if unknown:
            raise InvalidInput(
                f"{where}: unknown field(s) {', '.join(sorted(unknown))}.", field=where
            )
        if item.get("contact_id") not in known_contacts:
            raise InvalidInput(
                f"{where}.contact_id: no contact with id {item.get('contact_id')}.",
                field=f"{where}.contact_id",
            )
        campaign = campaigns.get(item["campaign_id"]) if item.get("campaign_id") else None
        if item.get("campaign_id") and campaign is None:
            raise InvalidInput(
                f"{where}.campaign_id: no campaign with id {item['campaign_id']}.",
                field=f"{where}.campaign_id",
            )
        occurred_at = item.get("occurred_at")
        if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
            raise InvalidInput(
                f"{where}.occurred_at: a timezone-aware date and time is required "
                "(e.g. 2026-03-01T09:30:00Z).",
                field=f"{where}.occurred_at",
            )
        touchpoint = Touchpoint(
            contact_id=item["contact_id"],
            campaign=campaign,
            channel=item.get("channel") or (campaign.channel if campaign else ""),
            type=item.get("type", ""),
            occurred_at=occurred_at,
            url=item.get("url") or "",
            utm_source=item.get("utm_source") or (campaign.utm_source if campaign else ""),
            utm_medium=item.get("utm_medium") or (campaign.utm_medium if campaign else ""),
            utm_campaign=item.get("utm_campaign") or (campaign.utm_campaign if campaign else ""),
            idempotency_key=str(item.get("idempotency_key") or uuid.uuid4()),
        )
        try:
            _clean(touchpoint, exclude=["contact", "campaign"])
        except InvalidInput as exc:
            errors = [
                {"field": f"{where}.{e['field']}", "message": e["message"]}
                for e in exc.extra["errors"]
            ]
            raise InvalidInput(
                f"{errors[0]['field']}: {errors[0]['message']}",
                field=errors[0]["field"],
                errors=errors,
            ) from None
        rows.append(touchpoint)

    with transaction.atomic():
        keys = [t.idempotency_key for t in rows]
        existing = dict(
            Touchpoint.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "pk")
        )
        fresh: dict[str, Touchpoint] = {}
        for touchpoint in rows:
            if touchpoint.idempotency_key not in existing:
                fresh.setdefault(touchpoint.idempotency_key, touchpoint)
        # ignore_conflicts covers a concurrent request that inserted the same key
        # after our look-up; ids are then re-read by key below.
        Touchpoint.objects.bulk_create(fresh.values(), batch_size=500, ignore_conflicts=True)
        ids = dict(
            Touchpoint.objects.filter(idempotency_key__in=list(fresh)).values_list(
                "idempotency_key", "pk"
            )
        )
        touched = {t.contact_id for t in fresh.values()}
        if touched:
            Contact.objects.filter(pk__in=touched).update(updated_at=timezone.now())
    outcomes = []
    seen: set[str] = set()
    for index, touchpoint in enumerate(rows):
        key = touchpoint.idempotency_key
        created = key not in existing and key not in seen
        seen.add(key)
        outcomes.append(
            TouchpointOutcome(
                index=index,
                idempotency_key=key,
                status="created" if created else "duplicate",
                id=ids.get(key) or existing.get(key),
            )
        )
    return outcomes


# Opportunities ------------------------------------------------------------------------

OPPORTUNITY_FIELDS = {"name", "amount", "currency", "stage", "outcome", "lost_reason", "close_date"}


def _apply_opportunity(opportunity: Opportunity, data: Mapping[str, Any]) -> None:
    unknown = set(data) - OPPORTUNITY_FIELDS - {"account_id", "owner_id", "committee"}
    if unknown:
        raise InvalidInput(f"Unknown opportunity field(s): {', '.join(sorted(unknown))}.")
    for name in OPPORTUNITY_FIELDS & set(data):
        value = data[name]
        if name == "currency" and isinstance(value, str):
            value = value.strip().upper()
        if name == "lost_reason" and value is None:
            value = ""
        setattr(opportunity, name, value)
    if "account_id" in data:
        account = _resolve(Account, data["account_id"], "account_id")
        if account is None:
            raise InvalidInput("An opportunity needs an account.", field="account_id")
        opportunity.account = account
    if "owner_id" in data:
        opportunity.owner = _resolve_owner(data["owner_id"])
    if opportunity.stage == "closed_won":
        opportunity.outcome = "won"
    elif opportunity.stage == "closed_lost":
        opportunity.outcome = "lost"
    if opportunity.outcome != "open" and opportunity.close_date is None:
        # A deal closed without a date closed today: reports end its journey there.
        opportunity.close_date = timezone.localdate()
    if opportunity.outcome == "lost" and not opportunity.lost_reason:
        raise InvalidInput("A lost opportunity needs a lost reason.", field="lost_reason")


def _set_committee(opportunity: Opportunity, committee: list[Mapping[str, Any]]) -> None:
    contact_ids = [member.get("contact_id") for member in committee]
    wanted = [pk for pk in contact_ids if isinstance(pk, int)]
    found = set(Contact.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for index, member in enumerate(committee):
        if member.get("contact_id") not in found:
            raise InvalidInput(
                f"committee[{index}].contact_id: no contact with id {member.get('contact_id')}.",
                field=f"committee[{index}].contact_id",
            )
    if len(set(contact_ids)) != len(contact_ids):
        raise InvalidInput("A contact appears twice in the buying committee.", field="committee")
    opportunity.committee.all().delete()
    OpportunityContact.objects.bulk_create(
        OpportunityContact(opportunity=opportunity, contact_id=m["contact_id"], role=m["role"])
        for m in committee
    )


@transaction.atomic
def create_opportunity(*, actor: User | None, data: Mapping[str, Any]) -> Opportunity:
    require(actor, Action.EDIT_OPPORTUNITY, owns=True)
    opportunity = Opportunity(created_at=data.get("created_at") or timezone.now())
    if "account_id" not in data:
        raise InvalidInput("An opportunity needs an account.", field="account_id")
    _apply_opportunity(opportunity, {k: v for k, v in data.items() if k != "created_at"})
    if actor is not None and "owner_id" not in data:
        opportunity.owner = actor
    _clean(opportunity, exclude=["account", "owner"])
    opportunity.save()
    if data.get("committee"):
        _set_committee(opportunity, data["committee"])
    if opportunity.outcome == Outcome.WON:
        _announce_win(opportunity, actor=actor)
    return opportunity


@transaction.atomic
def update_opportunity(
    opportunity: Opportunity, *, actor: User | None, changes: Mapping[str, Any]
) -> Opportunity:
    require(actor, Action.EDIT_OPPORTUNITY, owns=_owns(actor, opportunity.owner_id))
    # The stored row, read under a lock: the instance may be stale (its other fields
    # would overwrite a colleague's edit), and two people closing the same deal at once
    # must not both count as winning it.
    Opportunity.objects.select_for_update().filter(pk=opportunity.pk).first()
    opportunity.refresh_from_db()
    was = opportunity.outcome
    _apply_opportunity(opportunity, changes)
    _clean(opportunity, exclude=["account", "owner"])
    opportunity.save()
    if "committee" in changes and changes["committee"] is not None:
        _set_committee(opportunity, changes["committee"])
    if opportunity.outcome == Outcome.WON and was != Outcome.WON:
        _announce_win(opportunity, actor=actor)
    return opportunity


def _announce_win(opportunity: Opportunity, *, actor: User | None) -> None:
    transaction.on_commit(lambda: _send_won(opportunity, actor=actor))


def _send_won(opportunity: Opportunity, *, actor: User | None) -> None:
    # The deal is committed by now: a failing listener is logged, never undoes it or
    # turns the request that won it into an error.
    for receiver, result in opportunity_won.send_robust(
        sender=Opportunity, opportunity=opportunity, actor=actor
    ):
        if isinstance(result, Exception):
            logger.error(
                "Listener %r failed on opportunity %s won",
                receiver,
                opportunity.pk,
                exc_info=result,
            )
