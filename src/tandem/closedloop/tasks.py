"""Background work for closed-loop reporting. Tasks take ids and call a service."""

from __future__ import annotations

from typing import Any

from huey.contrib.djhuey import db_task

from tandem.closedloop import notifications
from tandem.crm.models import Opportunity


@db_task(retries=2, retry_delay=30)
def notify_deal_won_task(opportunity_id: int) -> int:
    # Safe to run again (a retry, a deal won twice): people already told are skipped.
    return notifications.notify_deal_won(opportunity_id)


def on_opportunity_won(sender: type[Opportunity], *, opportunity: Opportunity, **_: Any) -> None:
    """Receiver of ``crm.signals.opportunity_won``: credit is computed off the request."""
    notify_deal_won_task(opportunity.pk)
