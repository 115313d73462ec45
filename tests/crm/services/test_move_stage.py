from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tandem.core.lifecycle import TransitionRefused
from tandem.crm.models import Contact, StageTransition
from tandem.crm.services import move_stage
from tandem.errors import Forbidden

pytestmark = pytest.mark.django_db


def _stage(contact: Contact) -> str:
    return Contact.objects.get(pk=contact.pk).lifecycle_stage


def test_records_from_to_kind_actor_and_reason(make_contact, marketer):
    contact = make_contact(lifecycle_stage="lead")

    transition = move_stage(contact, to_stage="sql", actor=marketer, reason="  Budget confirmed ")

    stored = StageTransition.objects.get(pk=transition.pk)
    assert (stored.from_stage, stored.to_stage, stored.kind) == ("lead", "sql", "advance")
    assert stored.actor == marketer
    assert stored.reason == "Budget confirmed"
    assert stored.rule == ""
    assert stored.definition_version is None
    assert _stage(contact) == "sql"
    assert contact.lifecycle_stage == "sql"


def test_uses_the_stored_stage_not_the_object_in_hand(make_contact, marketer):
    contact = make_contact(lifecycle_stage="lead")
    Contact.objects.filter(pk=contact.pk).update(lifecycle_stage="sal")

    transition = move_stage(contact, to_stage="sql", actor=marketer)

    assert transition.from_stage == "sal"


def test_recycling_and_disqualifying_record_their_kind(make_contact, manager):
    contact = make_contact(lifecycle_stage="sal")

    recycled = move_stage(contact, to_stage="nurture", actor=manager, reason="Timing")
    disqualified = move_stage(contact, to_stage="disqualified", actor=manager, reason="Student")

    assert (recycled.kind, disqualified.kind) == ("recycle", "disqualify")
    assert (disqualified.from_stage, disqualified.to_stage) == ("nurture", "disqualified")


def test_forbidden_move_writes_nothing(make_contact, marketer):
    contact = make_contact(lifecycle_stage="customer")
    before = Contact.objects.get(pk=contact.pk).updated_at

    with pytest.raises(TransitionRefused) as refused:
        move_stage(contact, to_stage="disqualified", actor=marketer, reason="Churned")

    assert refused.value.message == (
        "Cannot move from Customer to Disqualified: a customer cannot be disqualified."
    )
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.lifecycle_stage, stored.updated_at) == ("customer", before)
    assert StageTransition.objects.count() == 0


@pytest.mark.parametrize(
    ("to_stage", "message"),
    [
        ("nurture", "A reason is required to recycle a contact to Nurture."),
        ("disqualified", "A reason is required to disqualify a contact."),
    ],
)
def test_going_back_without_a_reason_writes_nothing(make_contact, marketer, to_stage, message):
    contact = make_contact(lifecycle_stage="sql")

    with pytest.raises(TransitionRefused) as refused:
        move_stage(contact, to_stage=to_stage, actor=marketer)

    assert refused.value.message == message
    assert _stage(contact) == "sql"
    assert StageTransition.objects.count() == 0


def test_unknown_stage_is_refused(make_contact, marketer):
    contact = make_contact()

    with pytest.raises(TransitionRefused) as refused:
        move_stage(contact, to_stage="won", actor=marketer)

    assert str(refused.value).startswith("Unknown stage 'won'; expected one of subscriber, lead")
    assert StageTransition.objects.count() == 0


def test_rep_moves_only_contacts_they_own(make_contact, rep, make_user):
    mine = make_contact(owner=rep)
    theirs = make_contact(owner=make_user("sales_rep"))

    move_stage(mine, to_stage="sal", actor=rep)
    with pytest.raises(Forbidden) as refused:
        move_stage(theirs, to_stage="sal", actor=rep)

    assert refused.value.message == (
        "Your role (Sales rep) may not move stage on records you do not own."
    )
    assert (_stage(mine), _stage(theirs)) == ("sal", "lead")


def test_a_rule_moves_without_an_actor_and_says_which(make_contact, make_version):
    version = make_version("fit_score > 1")
    contact = make_contact()
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    transition = move_stage(
        contact,
        to_stage="mql",
        actor=None,
        rule="mql_definition",
        definition_version_id=version.pk,
        at=at,
    )

    stored = StageTransition.objects.get(pk=transition.pk)
    assert stored.actor is None
    assert (stored.rule, stored.definition_version) == ("mql_definition", version)
    assert stored.occurred_at == at
    assert Contact.objects.get(pk=contact.pk).updated_at == at


def test_recorded_transitions_cannot_be_edited(make_contact, marketer):
    transition = move_stage(make_contact(), to_stage="mql", actor=marketer)

    transition.reason = "Rewritten"
    with pytest.raises(ValueError, match="Stage transitions are immutable"):
        transition.save()
