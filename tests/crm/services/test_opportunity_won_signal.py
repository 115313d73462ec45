"""``opportunity_won`` is sent once per move to won, after the commit, and at no other time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.crm.models import Opportunity
from tandem.crm.services import create_opportunity, update_opportunity
from tandem.crm.signals import opportunity_won

pytestmark = pytest.mark.django_db


@pytest.fixture
def wins() -> Iterator[list[tuple[int, object]]]:
    received: list[tuple[int, object]] = []

    def listener(sender: object, *, opportunity: Opportunity, actor: object, **_: object) -> None:
        received.append((opportunity.pk, actor))

    opportunity_won.connect(listener, weak=False, dispatch_uid="test-wins")
    yield received
    opportunity_won.disconnect(dispatch_uid="test-wins")


@pytest.fixture
def opportunity(account, rep):
    return Opportunity.objects.create(
        account=account, name="Deal", amount=Decimal("100"), owner=rep, created_at=timezone.now()
    )


def test_moving_to_closed_won_sends_it_once_after_the_commit(
    opportunity, rep, wins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
        assert wins == []  # nothing before the commit

    assert len(callbacks) == 1
    assert wins == [(opportunity.pk, rep)]


def test_setting_the_outcome_to_won_sends_it(
    opportunity, manager, wins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(opportunity, actor=manager, changes={"outcome": "won"})

    assert wins == [(opportunity.pk, manager)]


def test_editing_a_won_deal_again_sends_nothing(
    opportunity, rep, wins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
    wins.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_opportunity(opportunity, actor=rep, changes={"amount": Decimal("150")})
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
        update_opportunity(opportunity, actor=rep, changes={"outcome": "won", "name": "Renamed"})

    assert callbacks == []
    assert wins == []


@pytest.mark.parametrize(
    "changes",
    [
        {"stage": "proposal"},
        {"amount": Decimal("1")},
        {"stage": "closed_lost", "lost_reason": "No budget"},
        {"name": "Still open"},
    ],
)
def test_other_edits_send_nothing(
    opportunity, rep, wins, changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_opportunity(opportunity, actor=rep, changes=changes)

    assert callbacks == []
    assert wins == []


def test_a_lost_or_reopened_deal_won_later_sends_it_again(
    opportunity, rep, wins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(
            opportunity, actor=rep, changes={"stage": "closed_lost", "lost_reason": "Budget"}
        )
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
        update_opportunity(
            opportunity, actor=rep, changes={"stage": "negotiation", "outcome": "open"}
        )
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})

    assert wins == [(opportunity.pk, rep), (opportunity.pk, rep)]


def test_a_stale_copy_winning_an_already_won_deal_sends_nothing(
    opportunity, rep, wins, django_capture_on_commit_callbacks
):
    stale = Opportunity.objects.get(pk=opportunity.pk)
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
        update_opportunity(stale, actor=rep, changes={"stage": "closed_won"})

    assert wins == [(opportunity.pk, rep)]


def test_creating_a_won_deal_sends_it(account, rep, wins, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = create_opportunity(
            actor=rep,
            data={"account_id": account.pk, "name": "Won", "amount": 5, "stage": "closed_won"},
        )

    assert wins == [(created.pk, rep)]


def test_creating_an_open_deal_sends_nothing(
    account, rep, wins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        create_opportunity(actor=rep, data={"account_id": account.pk, "name": "Open", "amount": 5})

    assert callbacks == []
    assert wins == []


def test_a_rolled_back_win_sends_nothing(
    opportunity, rep, wins, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
        raise RuntimeError("something later in the same transaction failed")

    assert callbacks == []
    assert wins == []
    assert Opportunity.objects.get(pk=opportunity.pk).outcome == "open"


def test_a_failing_listener_is_logged_and_the_win_stands(
    opportunity, rep, wins, caplog, django_capture_on_commit_callbacks
):
    def broken(**_: object) -> None:
        raise ValueError("listener bug")

    opportunity_won.connect(broken, weak=False, dispatch_uid="test-broken")
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
    finally:
        opportunity_won.disconnect(dispatch_uid="test-broken")

    assert Opportunity.objects.get(pk=opportunity.pk).outcome == "won"
    assert wins == [(opportunity.pk, rep)]
    assert f"failed on opportunity {opportunity.pk} won" in caplog.text
