"""Credit for pipeline and won revenue read from the store, checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tandem.closedloop.credit import credit_report, deal_credit
from tandem.closedloop.journeys import deal_touches
from tandem.closedloop.models import AttributionSettings
from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    Touchpoint,
)
from tandem.errors import InvalidInput

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
_keys = iter(range(1, 10_000))


def touch(
    contact: Contact,
    day: int,
    campaign: Campaign | None,
    kind: str = "page_view",
    channel: str | None = None,
    url: str = "",
) -> None:
    Touchpoint.objects.create(
        contact=contact,
        campaign=campaign,
        channel=channel or (campaign.channel if campaign else "direct"),
        type=kind,
        occurred_at=T0 + timedelta(days=day),
        url=url,
        idempotency_key=f"t{next(_keys)}",
    )


def deal(
    contacts: list[Contact], *, amount: str, created_day: int, outcome: str, close_day: int | None
) -> Opportunity:
    opportunity = Opportunity.objects.create(
        account=contacts[0].account,
        name=f"Deal {amount}",
        amount=Decimal(amount),
        outcome=outcome,
        lost_reason="budget" if outcome == "lost" else "",
        created_at=T0 + timedelta(days=created_day),
        close_date=None if close_day is None else (T0 + timedelta(days=close_day)).date(),
    )
    for contact in contacts:
        OpportunityContact.objects.create(opportunity=opportunity, contact=contact, role="user")
    return opportunity


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Two deals and one contact on no deal.

    Won deal (1,000): ads (day 0, page view), webinar (day 5, registration: lead), ads
    (day 10, just before the opportunity on day 11: opportunity), email (day 20, the
    last touch before the close on day 30: close). A touch on day 40 is after the close.
    Lost deal (500): email (day 2, form: lead and first), ads (day 3: opportunity).
    """
    account = Account.objects.create(name="Acme")
    ads = Campaign.objects.create(name="Ads", channel="paid_search", actual_cost=Decimal("500"))
    webinar = Campaign.objects.create(name="Webinar", channel="webinar", actual_cost=Decimal("0"))
    email = Campaign.objects.create(name="Newsletter", channel="email")
    ana = Contact.objects.create(email="ana@acme.example", account=account)
    bo = Contact.objects.create(email="bo@acme.example", account=account)
    cy = Contact.objects.create(email="cy@acme.example", account=account)
    loner = Contact.objects.create(email="loner@else.example")
    touch(ana, 0, ads)
    touch(bo, 5, webinar, "webinar_registered", url="https://acme.example/webinar")
    touch(ana, 10, ads)
    touch(bo, 20, email)
    touch(ana, 40, ads)
    won = deal([ana, bo], amount="1000", created_day=11, outcome="won", close_day=30)
    touch(cy, 2, email, "form_submit")
    touch(cy, 3, ads)
    lost = deal([cy], amount="500", created_day=4, outcome="lost", close_day=6)
    touch(loner, 1, ads)
    return {"won": won, "lost": lost, "ads": ads, "webinar": webinar, "email": email}


def by_label(rows: list[Any]) -> dict[str, Any]:
    return {row.label: row for row in rows}


def test_deal_touches_stop_at_the_close(world: dict[str, Any]) -> None:
    table = deal_touches(lookback_days=365, now=T0 + timedelta(days=100))
    per_deal = table.group_by("opportunity_id").aggregate([("touch_id", "count")]).to_pylist()
    counts = {row["opportunity_id"]: row["touch_id_count"] for row in per_deal}
    assert counts == {world["won"].pk: 4, world["lost"].pk: 2}


def test_w_shaped_pipeline_and_revenue_by_campaign(world: dict[str, Any]) -> None:
    rows = by_label(credit_report(model="w_shaped"))
    # Won deal: ads first (0.3) and opportunity (0.3), webinar lead (0.3), email the
    # one other touch (0.1; the close is a milestone only in full path).
    # Lost deal: email first+lead (0.6), ads opportunity (0.3), scaled by 1/0.9.
    assert rows["Ads"].opportunities == pytest.approx(0.6 + 1 / 3)
    assert rows["Ads"].pipeline == pytest.approx(600 + 500 / 3)
    assert rows["Ads"].deals_won == pytest.approx(0.6)
    assert rows["Ads"].revenue == pytest.approx(600)
    assert rows["Ads"].roi == pytest.approx(600 / 500)
    assert rows["Webinar"].revenue == pytest.approx(300)
    assert rows["Webinar"].roi is None  # no cost recorded as a positive amount
    assert rows["Newsletter"].pipeline == pytest.approx(100 + 1000 / 3)
    assert sum(r.pipeline for r in rows.values()) == pytest.approx(1500)
    assert sum(r.revenue for r in rows.values()) == pytest.approx(1000)


def test_full_path_credits_the_close(world: dict[str, Any]) -> None:
    rows = by_label(credit_report(model="full_path"))
    # Won deal: every touch is a milestone (ads first and opportunity, webinar lead,
    # email close), 22.5 % each; no other touch takes the 10 %, so all scale by 1/0.9.
    assert rows["Newsletter"].revenue == pytest.approx(250)
    assert rows["Ads"].revenue == pytest.approx(500)


def test_by_channel(world: dict[str, Any]) -> None:
    rows = {row.key: row for row in credit_report(model="first_touch", by="channel")}
    assert rows["paid_search"].revenue == pytest.approx(1000)
    assert rows["email"].pipeline == pytest.approx(500)
    assert rows["paid_search"].label == "Paid search"


def test_data_driven_models_add_up_and_learn_from_the_loner(world: dict[str, Any]) -> None:
    for model in ("markov", "shapley"):
        rows = credit_report(model=model)
        assert sum(r.pipeline for r in rows) == pytest.approx(1500), model
        assert sum(r.revenue for r in rows) == pytest.approx(1000), model


def test_a_new_touch_refreshes_the_cached_report(world: dict[str, Any]) -> None:
    before = by_label(credit_report(model="last_touch"))
    assert before["Newsletter"].revenue == pytest.approx(1000)
    touch(world["won"].committee.first().contact, 25, world["webinar"])
    after = by_label(credit_report(model="last_touch"))
    assert after["Webinar"].revenue == pytest.approx(1000)


def test_deal_credit_lists_campaigns_content_and_shares(world: dict[str, Any]) -> None:
    credits = deal_credit(world["won"], model="w_shaped")
    assert [(c.label, round(c.share, 6), c.touches) for c in credits] == [
        ("Ads", 0.6, 2),
        ("Webinar", 0.3, 1),
        ("Newsletter", 0.1, 1),
    ]
    assert credits[1].content == ["https://acme.example/webinar"]
    assert credits[0].amount == pytest.approx(600)


def test_deal_credit_uses_the_workspace_model(world: dict[str, Any]) -> None:
    AttributionSettings.objects.update_or_create(pk=1, defaults={"model": "last_touch"})
    credits = deal_credit(world["won"])
    assert next((c.label, c.share) for c in credits) == ("Newsletter", 1.0)
    markov = deal_credit(world["won"], model="markov")
    assert sum(c.share for c in markov) == pytest.approx(1.0)


def test_a_deal_without_touches_has_no_credit(world: dict[str, Any]) -> None:
    empty = Opportunity.objects.create(
        account=Account.objects.create(name="Quiet"),
        name="Quiet deal",
        amount=Decimal("10"),
        created_at=T0,
        close_date=date(2026, 3, 2),
    )
    assert deal_credit(empty) == []


def test_unknown_model_is_refused(world: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="Unknown attribution model 'magic'"):
        credit_report(model="magic")


def test_markov_on_the_store_matches_the_reference_on_the_same_journeys(
    world: dict[str, Any],
) -> None:
    """The store's journeys, written out by hand, give the same Markov credit.

    Pipeline: the won deal walks Ads > Webinar > Ads > Newsletter (converts, 1,000), the
    lost deal Newsletter > Ads (converts, 500), the contact on no deal Ads (null).
    """
    from tandem.core.attribution import Journey, attribute

    reference = attribute(
        [
            Journey(touches=("Ads", "Webinar", "Ads", "Newsletter"), conversions=1, value=1000.0),
            Journey(touches=("Newsletter", "Ads"), conversions=1, value=500.0),
            Journey(touches=("Ads",), conversions=0, nulls=1, value=None),
        ],
        model="markov",
    )
    rows = by_label(credit_report(model="markov"))
    assert reference.value is not None
    for label in ("Ads", "Webinar", "Newsletter"):
        assert rows[label].opportunities == pytest.approx(reference.conversions[label])
        assert rows[label].pipeline == pytest.approx(reference.value[label])


def test_an_open_deal_runs_to_now_even_past_its_expected_close(world: dict[str, Any]) -> None:
    account = Account.objects.create(name="Slipping")
    late = Contact.objects.create(email="late@slipping.example", account=account)
    slipping = deal([late], amount="100", created_day=50, outcome="open", close_day=55)
    touch(late, 48, world["webinar"])
    touch(late, 70, world["email"])  # after the expected close, which has passed
    table = deal_touches(
        lookback_days=365, opportunity_ids=[slipping.pk], now=T0 + timedelta(days=90)
    )
    assert table.num_rows == 2
    assert deal_credit(slipping, model="last_touch")[0].label == "Newsletter"


def test_closing_a_deal_without_a_date_closes_it_today(world: dict[str, Any], rep) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from tandem.crm.services import update_opportunity

    account = Account.objects.create(name="Quick")
    opportunity = Opportunity.objects.create(
        account=account, name="Quick win", amount=Decimal("5"), owner=rep, created_at=T0
    )
    update_opportunity(opportunity, actor=rep, changes={"stage": "closed_won"})
    opportunity.refresh_from_db()
    assert (opportunity.outcome, opportunity.close_date) == ("won", timezone.localdate())
