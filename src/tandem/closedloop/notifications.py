"""Who helped win this deal: the notification sent to its owner and to marketing.

Built from :func:`tandem.closedloop.credit.deal_credit` under the model the workspace
chose, so the inbox, the API and the opportunity page agree on the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.urls import reverse

from tandem.closedloop import credit
from tandem.closedloop.models import MODEL_CHOICES, AttributionSettings
from tandem.core.permissions import Role
from tandem.crm.choices import Channel, Outcome
from tandem.crm.models import Opportunity
from tandem.notifications import selectors as notification_selectors
from tandem.notifications.services import notify
from tandem.people.models import User

DEAL_WON = "deal_won"
MODEL_LABELS = dict(MODEL_CHOICES)
CHANNEL_LABELS = dict(Channel.choices)
# The body stays readable in an inbox; the data, the API and the deal's page have it all.
BODY_ROWS = 10
BODY_CONTENT = 3


def model_label(model: str) -> str:
    return MODEL_LABELS.get(model, model.replace("_", " ").capitalize())


def percent(share: float) -> str:
    """A share as people read it: ``45%``, ``12.5%``, ``<0.1%`` for a sliver."""
    value = share * 100
    if 0 < value < 0.05:
        return "<0.1%"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}%"


def money(amount: float | Decimal, currency: str) -> str:
    return f"{currency} {float(amount):,.0f}"


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel.replace("_", " ").capitalize())


def deal_won_recipients(opportunity: Opportunity) -> list[User]:
    """The deal's owner and every active marketer, each once."""
    people = list(User.objects.filter(is_active=True, role=Role.MARKETING).order_by("pk"))
    owner = opportunity.owner
    if isinstance(owner, User) and owner.is_active and all(u.pk != owner.pk for u in people):
        people.insert(0, owner)
    return people


def deal_won_key(opportunity: Opportunity) -> str:
    return f"opportunity:{opportunity.pk}"


def deal_won_message(
    opportunity: Opportunity, rows: Sequence[credit.TouchCredit], *, model: str
) -> dict[str, Any]:
    """Title, body and data of the notification (no database access)."""
    currency = opportunity.currency
    who = f" by {opportunity.owner}" if opportunity.owner else ""
    lines = [
        f"{opportunity.name} ({opportunity.account.name}) was won{who} "
        f"for {money(opportunity.amount, currency)}.",
        "",
    ]
    if rows:
        lines.append(f"Marketing credit under {model_label(model)}:")
        for row in rows[:BODY_ROWS]:
            touches = f"{row.touches} touch{'es' if row.touches != 1 else ''}"
            channel = channel_label(row.channel)
            # Touches without a campaign are labelled by their channel already.
            name = row.label if row.campaign_id is None else f"{row.label} ({channel})"
            lines.append(
                f"• {name}: {touches}, {percent(row.share)} = {money(row.amount, currency)}"
            )
            if row.content:
                shown = ", ".join(row.content[:BODY_CONTENT])
                more = len(row.content) - BODY_CONTENT
                lines.append(f"  content: {shown}" + (f" and {more} more" if more > 0 else ""))
        if len(rows) > BODY_ROWS:
            rest = len(rows) - BODY_ROWS
            share = sum(row.share for row in rows[BODY_ROWS:])
            lines.append(f"• {rest} more, {percent(share)} together: see the deal's page")
    else:
        lines.append("No campaign or content touched its buying committee before it was won.")
    return {
        "title": f"Won: {opportunity.name}, {money(opportunity.amount, currency)}",
        "body": "\n".join(lines),
        "data": {
            "opportunity_id": opportunity.pk,
            "opportunity": opportunity.name,
            "account": opportunity.account.name,
            "amount": str(opportunity.amount),
            "currency": currency,
            "model": model,
            "model_label": model_label(model),
            "credit": [asdict(row) for row in rows],
        },
    }


def notify_deal_won(opportunity_id: int) -> int:
    """Tell the owner and marketing who helped win the deal; return how many were told.

    Does nothing for a deal that is missing or no longer won by the time this runs,
    and nothing for people already told about this deal, so running it again is safe.
    """
    opportunity = (
        Opportunity.objects.select_related("account", "owner").filter(pk=opportunity_id).first()
    )
    if opportunity is None or opportunity.outcome != Outcome.WON:
        return 0
    key = deal_won_key(opportunity)
    recipients = notification_selectors.not_yet_notified(
        deal_won_recipients(opportunity), kind=DEAL_WON, key=key
    )
    if not recipients:
        return 0  # everyone knows already: skip the credit computation
    model = AttributionSettings.current().model
    rows = credit.deal_credit(opportunity, model=model)
    message = deal_won_message(opportunity, rows, model=model)
    return notify(
        recipients,
        kind=DEAL_WON,
        key=key,
        link=reverse("opportunity", args=[opportunity.pk]),
        **message,
    )


def announce_recent_wins(
    limit: int, *, progress: Callable[[str, int, int], None] | None = None
) -> int:
    """Send the won-deal notifications of the ``limit`` most recently closed won deals.

    For a store filled without the services (the demo, an import), so the inbox shows
    what a live workspace would have heard. Safe to repeat, like :func:`notify_deal_won`.
    """
    recent = list(
        Opportunity.objects.filter(outcome=Outcome.WON)
        .order_by("-close_date", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for done, pk in enumerate(recent, start=1):
        sent += notify_deal_won(pk)
        if progress is not None:
            progress("Crediting recent wins", done, len(recent))
    return sent
