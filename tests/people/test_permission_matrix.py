"""The whole role x action table, written out so that changing it is a deliberate act."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.core.permissions import MATRIX, Action, Role, Scope, can, scope
from tandem.crm.models import Account, Contact, Opportunity, StageTransition
from tandem.crm.services import move_stage, update_opportunity
from tandem.errors import Forbidden

# Columns: marketing, sales rep, sales manager, admin.
# "all": anywhere; "own": only on records the user owns; "-": never.
EXPECTED: dict[Action, tuple[str, str, str, str]] = {
    Action.VIEW_RECORDS: ("all", "all", "all", "all"),
    Action.EDIT_CONTACT: ("all", "own", "all", "all"),
    Action.EDIT_ACCOUNT: ("all", "own", "all", "all"),
    Action.MOVE_STAGE: ("all", "own", "all", "all"),
    Action.EDIT_CAMPAIGN: ("all", "-", "-", "all"),
    Action.LOG_TOUCHPOINT: ("all", "all", "all", "all"),
    Action.EDIT_OPPORTUNITY: ("-", "own", "all", "all"),
    Action.PROPOSE_DEFINITION: ("all", "-", "all", "all"),
    Action.APPROVE_FOR_MARKETING: ("all", "-", "-", "all"),
    Action.APPROVE_FOR_SALES: ("-", "-", "all", "all"),
    Action.MANAGE_USERS: ("-", "-", "-", "all"),
    Action.MANAGE_SCORING: ("all", "-", "-", "all"),
}
ROLES = (Role.MARKETING, Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN)

# What can() answers for each written scope: (owns=None, owns=True, owns=False).
ANSWERS = {"all": (True, True, True), "own": (True, True, False), "-": (False, False, False)}

CASES = [
    pytest.param(role, action, EXPECTED[action][column], id=f"{role.value}-{action.value}")
    for action in Action
    for column, role in enumerate(ROLES)
]


def test_table_covers_every_action_and_role():
    assert set(EXPECTED) == set(Action)
    assert set(ROLES) == set(Role)
    assert set(MATRIX) == set(Action)


@pytest.mark.parametrize(("role", "action", "expected"), CASES)
def test_can_matches_the_table(role, action, expected):
    in_general, on_own, on_others = ANSWERS[expected]

    assert can(role, action) is in_general
    assert can(role, action, owns=True) is on_own
    assert can(role, action, owns=False) is on_others
    assert can(role.value, action) is in_general


@pytest.mark.parametrize(("role", "action", "expected"), CASES)
def test_scope_matches_the_table(role, action, expected):
    written = {"all": Scope.ALL, "own": Scope.OWN, "-": Scope.NONE}[expected]

    assert scope(role, action) is written


@pytest.mark.parametrize("action", list(Action))
def test_unknown_role_may_do_nothing(action):
    assert can("intern", action) is False
    assert can("intern", action, owns=True) is False
    assert scope("", action) is Scope.NONE


@pytest.mark.django_db
def test_deactivated_user_may_do_nothing(admin_user):
    admin_user.is_active = False

    assert admin_user.may(Action.VIEW_RECORDS) is False
    assert admin_user.may(Action.MANAGE_USERS) is False


# The services ask the same table -------------------------------------------------------


@pytest.mark.django_db
def test_rep_may_move_a_contact_they_own(rep):
    contact = Contact.objects.create(email="mine@acme.io", owner=rep)

    transition = move_stage(contact, to_stage="sal", actor=rep)

    assert transition.actor == rep
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "sal"


@pytest.mark.django_db
def test_rep_may_not_move_another_reps_contact(rep, make_user):
    contact = Contact.objects.create(email="theirs@acme.io", owner=make_user(Role.SALES_REP))

    with pytest.raises(Forbidden) as refused:
        move_stage(contact, to_stage="sal", actor=rep)

    assert refused.value.message == (
        "Your role (Sales rep) may not move stage on records you do not own."
    )
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "lead"
    assert StageTransition.objects.count() == 0


@pytest.mark.django_db
def test_rep_may_not_move_an_unowned_contact(rep):
    contact = Contact.objects.create(email="nobody@acme.io")

    with pytest.raises(Forbidden):
        move_stage(contact, to_stage="sal", actor=rep)


@pytest.mark.django_db
def test_manager_may_move_any_contact(manager, rep):
    contact = Contact.objects.create(email="theirs@acme.io", owner=rep)

    move_stage(contact, to_stage="sql", actor=manager)

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "sql"


@pytest.mark.django_db
def test_marketing_may_not_edit_an_opportunity_even_its_own(marketer):
    opportunity = Opportunity.objects.create(
        account=Account.objects.create(name="Acme"),
        name="Deal",
        amount=Decimal("100"),
        owner=marketer,
        created_at=timezone.now(),
    )

    with pytest.raises(Forbidden) as refused:
        update_opportunity(opportunity, actor=marketer, changes={"name": "Renamed"})

    # No "on records you do not own": owning it would not help.
    assert refused.value.message == "Your role (Marketing) may not edit opportunity."
    assert Opportunity.objects.get(pk=opportunity.pk).name == "Deal"
