"""Agreed definitions: propose, sign off from both sides, evaluate, qualify contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tandem.core import conditions, lifecycle
from tandem.core.contact_fields import FIELDS, NAMED_LISTS
from tandem.core.permissions import Action
from tandem.core.signoff import Side, Signoff, add_signoff, is_approved
from tandem.crm.models import Contact, StageTransition
from tandem.errors import Conflict, Forbidden, InvalidInput
from tandem.people.access import require
from tandem.people.models import User
from tandem.qualification.models import DefinitionKind, DefinitionVersion, VersionStatus
from tandem.qualification.models import Signoff as SignoffRow
from tandem.qualification.selectors import active_version, condition_values, iter_condition_values

# Contacts in these stages move to MQL when they meet the active MQL definition.
AUTO_MQL_FROM = (lifecycle.Stage.SUBSCRIBER, lifecycle.Stage.LEAD, lifecycle.Stage.NURTURE)
MQL_RULE = "mql_definition"


def compile_criteria(text: str) -> conditions.Condition:
    """Parse and check criteria text; raises ConditionError with the position of the fault."""
    condition = conditions.parse(text)
    conditions.validate(condition, fields=FIELDS.keys(), lists=NAMED_LISTS.keys())
    return condition


@transaction.atomic
def propose_definition(
    *, kind: str, criteria: str, note: str = "", actor: User
) -> DefinitionVersion:
    require(actor, Action.PROPOSE_DEFINITION)
    if kind not in DefinitionKind.values:
        raise InvalidInput(f"Unknown definition kind {kind!r}; use mql or sql.", field="kind")
    compile_criteria(criteria)
    last = (
        DefinitionVersion.objects.select_for_update().filter(kind=kind).aggregate(n=Max("number"))
    )
    return DefinitionVersion.objects.create(
        kind=kind,
        number=(last["n"] or 0) + 1,
        criteria=criteria.strip(),
        note=note.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )


def side_for(user: User, requested: str | None) -> Side:
    """Which side a user signs for. Admins may sign for either and must say which."""
    allowed = [
        side
        for side, action in (
            (Side.MARKETING, Action.APPROVE_FOR_MARKETING),
            (Side.SALES, Action.APPROVE_FOR_SALES),
        )
        if user.may(action)
    ]
    if not allowed:
        raise Forbidden(f"Your role ({user.role_label}) may not approve definitions.")
    if requested:
        try:
            side = Side(requested)
        except ValueError:
            raise InvalidInput(
                f"Unknown side {requested!r}; use marketing or sales.", field="side"
            ) from None
        if side not in allowed:
            raise Forbidden(
                f"Your role ({user.role_label}) may not approve for {side.label.lower()}."
            )
        return side
    if len(allowed) > 1:
        raise InvalidInput("Say which side you approve for (marketing or sales).", field="side")
    return allowed[0]


@transaction.atomic
def approve_definition(
    version: DefinitionVersion, *, actor: User, side: str | None = None
) -> DefinitionVersion:
    """Record one side's sign-off; the second side's sign-off activates the version."""
    version = DefinitionVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.PENDING:
        raise Conflict(
            f"{version} is {version.get_status_display().lower()}; only versions awaiting "
            "approval can be approved."
        )
    chosen = side_for(actor, side)
    existing = tuple(
        Signoff(side=Side(row.side), user_id=row.user_id, at=row.signed_at)
        for row in version.signoffs.all()
    )
    now = timezone.now()
    signed = add_signoff(existing, side=chosen, user_id=actor.pk, at=now)
    SignoffRow.objects.create(version=version, side=chosen.value, user=actor, signed_at=now)
    if is_approved(signed):
        DefinitionVersion.objects.filter(kind=version.kind, status=VersionStatus.ACTIVE).update(
            status=VersionStatus.SUPERSEDED
        )
        # Older pending proposals were written against the rule being replaced.
        # Withdrawn, so approving one later cannot bring back criteria older than
        # the version both teams just agreed on.
        DefinitionVersion.objects.filter(
            kind=version.kind, status=VersionStatus.PENDING, number__lt=version.number
        ).update(status=VersionStatus.WITHDRAWN)
        version.status = VersionStatus.ACTIVE
        version.activated_at = now
        version.save(update_fields=["status", "activated_at"])
        if version.kind == DefinitionKind.MQL:
            version_id = version.pk
            transaction.on_commit(lambda: _schedule_apply(version_id))
    return version


def _schedule_apply(version_id: int) -> None:
    from tandem.qualification.tasks import apply_mql_definition_task

    apply_mql_definition_task(version_id)


@transaction.atomic
def withdraw_definition(version: DefinitionVersion, *, actor: User) -> DefinitionVersion:
    require(actor, Action.PROPOSE_DEFINITION)
    if version.status != VersionStatus.PENDING:
        raise Conflict(f"{version} is not awaiting approval, so it cannot be withdrawn.")
    version.status = VersionStatus.WITHDRAWN
    version.save(update_fields=["status"])
    return version


def evaluate_contact(version: DefinitionVersion, contact: Contact) -> conditions.Evaluation:
    return conditions.evaluate(
        compile_criteria(version.criteria),
        condition_values(contact),
        lists=NAMED_LISTS,
        source=version.criteria,
    )


@dataclass(frozen=True, kw_only=True)
class Preview:
    """What activating a version would change, against the contacts as they are now."""

    would_qualify: list[int]  # eligible contacts the version would move to MQL/SQL
    would_qualify_count: int
    newly_failing_count: int  # contacts meeting the active version but not this one
    meeting_count: int
    total: int


def preview_version(version: DefinitionVersion, *, sample: int = 25) -> Preview:
    new = compile_criteria(version.criteria)
    active = active_version(version.kind)
    old = compile_criteria(active.criteria) if active and active.pk != version.pk else None
    eligible = (
        {s.value for s in AUTO_MQL_FROM}
        if version.kind == DefinitionKind.MQL
        else {lifecycle.Stage.SAL.value}
    )
    would: list[int] = []
    count = meeting = newly_failing = total = 0
    for pk, values in iter_condition_values(Contact.objects.all()):
        total += 1
        meets = conditions.evaluate(new, values, lists=NAMED_LISTS).verdict
        meeting += meets
        if meets and values["lifecycle_stage"] in eligible:
            count += 1
            if len(would) < sample:
                would.append(pk)
        if (
            old is not None
            and not meets
            and conditions.evaluate(old, values, lists=NAMED_LISTS).verdict
        ):
            newly_failing += 1
    return Preview(
        would_qualify=would,
        would_qualify_count=count,
        newly_failing_count=newly_failing,
        meeting_count=meeting,
        total=total,
    )


def qualify_contact(contact: Contact) -> StageTransition | None:
    """Move one contact to MQL if it meets the active MQL definition and may move there."""
    if contact.lifecycle_stage not in AUTO_MQL_FROM:
        return None
    version = active_version(DefinitionKind.MQL)
    if version is None or not evaluate_contact(version, contact).verdict:
        return None
    from tandem.crm.services import move_stage

    return move_stage(
        contact,
        to_stage=lifecycle.Stage.MQL,
        actor=None,
        rule=MQL_RULE,
        reason=f"Meets MQL definition v{version.number}",
        definition_version_id=version.pk,
    )


def apply_mql_definition(version_id: int, *, batch_size: int = 1000) -> int:
    """Move every eligible contact that meets this (active) MQL version to MQL.

    Evaluates from plain rows, then writes in batches, each its own transaction, so a
    worker killed half-way leaves whole batches done and a rerun finishes the rest.
    Returns how many contacts moved.
    """
    version = DefinitionVersion.objects.get(pk=version_id)
    if version.status != VersionStatus.ACTIVE or version.kind != DefinitionKind.MQL:
        return 0
    condition = compile_criteria(version.criteria)
    candidates = Contact.objects.filter(lifecycle_stage__in=[s.value for s in AUTO_MQL_FROM])
    matching = [
        pk
        for pk, values in iter_condition_values(candidates)
        if conditions.evaluate(condition, values, lists=NAMED_LISTS).verdict
    ]
    moved = 0
    for start in range(0, len(matching), batch_size):
        moved += _move_batch_to_mql(matching[start : start + batch_size], version)
    return moved


@transaction.atomic
def _move_batch_to_mql(ids: Iterable[int], version: DefinitionVersion) -> int:
    now = timezone.now()
    rows = list(
        Contact.objects.select_for_update()
        .filter(pk__in=list(ids), lifecycle_stage__in=[s.value for s in AUTO_MQL_FROM])
        .values_list("pk", "lifecycle_stage")
    )
    transitions = []
    for pk, stage in rows:
        planned = lifecycle.plan_transition(
            stage, lifecycle.Stage.MQL, reason=f"Meets MQL definition v{version.number}"
        )
        transitions.append(
            StageTransition(
                contact_id=pk,
                from_stage=planned.from_stage.value,
                to_stage=planned.to_stage.value,
                kind=planned.kind.value,
                occurred_at=now,
                rule=MQL_RULE,
                reason=planned.reason,
                definition_version=version,
            )
        )
    Contact.objects.filter(pk__in=[pk for pk, _ in rows]).update(
        lifecycle_stage=lifecycle.Stage.MQL.value, updated_at=now
    )
    StageTransition.objects.bulk_create(transitions, batch_size=500)
    return len(transitions)
