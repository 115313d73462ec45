"""When a deal is won, its owner and marketing hear who helped win it, once."""

from __future__ import annotations

import pytest

from tandem.closedloop.credit import TouchCredit
from tandem.closedloop.models import AttributionSettings
from tandem.closedloop.notifications import (
    DEAL_WON,
    deal_won_message,
    notify_deal_won,
    percent,
)
from tandem.closedloop.tasks import notify_deal_won_task
from tandem.crm.models import Account, Opportunity
from tandem.crm.services import update_opportunity
from tandem.notifications.models import Notification
from tests.closedloop.deals import GUIDE_URL, touched_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def linear() -> AttributionSettings:
    settings_row = AttributionSettings.current()
    settings_row.model = "linear"
    settings_row.save()
    return settings_row


@pytest.fixture
def team(make_user, marketer, rep, manager):
    """Two active marketers, one former marketer, the deal's rep, and people not concerned."""
    second = make_user("marketing", "mo", first_name="Mo")
    former = make_user("marketing", "gone", first_name="Gone")
    former.is_active = False
    former.save()
    other_rep = make_user("sales_rep", "rita", first_name="Rita")
    return {
        "marketers": [marketer, second],
        "former": former,
        "rep": rep,
        "others": [manager, other_rep],
    }


def _recipients(opportunity: Opportunity) -> list[int]:
    return sorted(
        Notification.objects.filter(
            kind=DEAL_WON, dedupe_key=f"opportunity:{opportunity.pk}"
        ).values_list("recipient_id", flat=True)
    )


def test_owner_and_every_active_marketer_are_told(team, linear):
    deal = touched_deal(owner=team["rep"], outcome="won")

    told = notify_deal_won(deal.pk)

    expected = sorted([team["rep"].pk] + [m.pk for m in team["marketers"]])
    assert told == 3
    assert _recipients(deal) == expected


def test_the_task_run_twice_tells_nobody_twice(team, linear):
    deal = touched_deal(owner=team["rep"], outcome="won")

    notify_deal_won_task.call_local(deal.pk)
    again = notify_deal_won_task.call_local(deal.pk)

    assert again == 0
    assert Notification.objects.count() == 3


def test_a_deal_won_reopened_and_won_again_notifies_once(
    team, linear, django_capture_on_commit_callbacks
):
    deal = touched_deal(owner=team["rep"])
    rep = team["rep"]
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(deal, actor=rep, changes={"stage": "closed_won"})
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(deal, actor=rep, changes={"stage": "negotiation", "outcome": "open"})
    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(deal, actor=rep, changes={"stage": "closed_won"})

    assert Notification.objects.count() == 3
    assert _recipients(deal) == sorted([rep.pk] + [m.pk for m in team["marketers"]])


def test_winning_through_the_service_notifies_after_the_commit(
    team, linear, django_capture_on_commit_callbacks
):
    deal = touched_deal(owner=team["rep"])

    with django_capture_on_commit_callbacks(execute=True):
        update_opportunity(deal, actor=team["rep"], changes={"stage": "closed_won"})
        assert Notification.objects.count() == 0

    assert Notification.objects.count() == 3


def test_a_deal_no_longer_won_when_the_task_runs_notifies_nobody(team, linear):
    deal = touched_deal(owner=team["rep"], outcome="open")

    assert notify_deal_won(deal.pk) == 0
    assert notify_deal_won(999_999) == 0
    assert Notification.objects.count() == 0


def test_a_deal_without_an_owner_tells_marketing(team, linear):
    deal = touched_deal(owner=None, outcome="won")

    notify_deal_won(deal.pk)

    assert _recipients(deal) == sorted(m.pk for m in team["marketers"])


def test_a_deactivated_owner_is_not_told(team, linear):
    rep = team["rep"]
    deal = touched_deal(owner=rep, outcome="won")
    rep.is_active = False
    rep.save()

    notify_deal_won(deal.pk)

    assert rep.pk not in _recipients(deal)


def test_the_notification_lists_the_campaigns_with_their_shares(team, linear):
    deal = touched_deal(owner=team["rep"], outcome="won", amount="40000", touches=(2, 2))

    notify_deal_won(deal.pk)

    note = Notification.objects.get(recipient=team["rep"])
    credit = note.data["credit"]
    assert sorted(row["label"] for row in credit) == ["Revenue e-book", "Spring webinar"]
    assert sum(row["share"] for row in credit) == pytest.approx(1.0)
    assert sum(row["amount"] for row in credit) == pytest.approx(40000)
    assert note.data["model"] == "linear"
    assert note.data["model_label"] == "Linear"
    assert note.data["opportunity_id"] == deal.pk
    assert note.title == "Won: Northwind platform, USD 40,000"
    assert note.link == f"/opportunities/{deal.pk}/"
    assert "Marketing credit under Linear:" in note.body
    for row in credit:
        assert f"• {row['label']} (" in note.body
        assert f"{percent(row['share'])} = USD {row['amount']:,.0f}" in note.body
    # Equal touches under a linear model: an even split.
    assert [row["share"] for row in credit] == pytest.approx([0.5, 0.5])
    assert "2 touches, 50% = USD 20,000" in note.body
    assert f"content: {GUIDE_URL}" in note.body


def test_the_message_reads_well():
    deal = Opportunity(pk=7, name="Acme platform", amount=48000, currency="EUR")
    deal.account = Account(name="Acme Robotics")
    rows = [
        TouchCredit(
            campaign_id=3,
            label="Spring webinar",
            channel="webinar",
            content=[],
            touches=3,
            share=0.625,
            amount=30000,
        ),
        TouchCredit(
            campaign_id=None,
            label="Paid search",
            channel="paid_search",
            content=["https://acme.example/pricing"],
            touches=1,
            share=0.375,
            amount=18000,
        ),
    ]

    message = deal_won_message(deal, rows, model="w_shaped")

    assert message["title"] == "Won: Acme platform, EUR 48,000"
    assert message["body"] == (
        "Acme platform (Acme Robotics) was won for EUR 48,000.\n"
        "\n"
        "Marketing credit under W-shaped (first touch, lead, opportunity):\n"
        "• Spring webinar (Webinar): 3 touches, 62.5% = EUR 30,000\n"
        "• Paid search: 1 touch, 37.5% = EUR 18,000\n"
        "  content: https://acme.example/pricing"
    )
    assert message["data"]["credit"][1] == {
        "campaign_id": None,
        "label": "Paid search",
        "channel": "paid_search",
        "content": ["https://acme.example/pricing"],
        "touches": 1,
        "share": 0.375,
        "amount": 18000,
    }


def test_a_long_list_is_cut_short_in_the_body_but_whole_in_the_data():
    deal = Opportunity(pk=7, name="Big deal", amount=1200, currency="USD")
    deal.account = Account(name="Initech")
    urls = [f"https://initech.example/page-{n}" for n in range(5)]
    rows = [
        TouchCredit(
            campaign_id=n,
            label=f"Campaign {n}",
            channel="email",
            content=urls if n == 0 else [],
            touches=1,
            share=1 / 12,
            amount=100,
        )
        for n in range(12)
    ]

    message = deal_won_message(deal, rows, model="linear")

    lines = message["body"].splitlines()
    assert lines[4] == (
        "  content: https://initech.example/page-0, https://initech.example/page-1, "
        "https://initech.example/page-2 and 2 more"
    )
    assert lines[-2] == "• Campaign 9 (Email): 1 touch, 8.3% = USD 100"
    assert lines[-1] == "• 2 more, 16.7% together: see the deal's page"
    assert len(message["data"]["credit"]) == 12
    assert message["data"]["credit"][0]["content"] == urls


def test_the_message_says_when_nothing_touched_the_deal():
    deal = Opportunity(pk=7, name="Quiet deal", amount=1000, currency="USD")
    deal.account = Account(name="Globex")

    body = deal_won_message(deal, [], model="linear")["body"]

    assert body.endswith("No campaign or content touched its buying committee before it was won.")


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.5, "50%"), (0.125, "12.5%"), (1 / 3, "33.3%"), (0.0004, "<0.1%"), (0, "0%"), (1, "100%")],
)
def test_percent(share, text):
    assert percent(share) == text


def test_recent_wins_are_announced_once_newest_first(team, linear):
    from tandem.closedloop.notifications import announce_recent_wins

    older = touched_deal(owner=team["rep"], outcome="won", name="Older win")
    newer = touched_deal(owner=team["rep"], outcome="won", name="Newer win")
    Opportunity.objects.filter(pk=older.pk).update(close_date="2026-01-05")
    touched_deal(owner=team["rep"], outcome="open", name="Still open")
    steps = []
    sent = announce_recent_wins(1, progress=lambda step, done, total: steps.append(done))
    assert sent == 3  # the owner and the two active marketers
    told = set(Notification.objects.values_list("data__opportunity_id", flat=True))
    assert told == {newer.pk}
    assert steps == [1]
    assert announce_recent_wins(5) == 3  # only the older win is new to everyone
