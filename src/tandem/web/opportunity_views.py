"""Opportunity pages: the list, and one deal with its buying committee and marketing's credit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from tandem.closedloop import credit
from tandem.closedloop.models import AttributionSettings
from tandem.closedloop.notifications import channel_label, model_label, percent
from tandem.core.errors import CoreError
from tandem.core.permissions import Action
from tandem.crm import selectors as crm_selectors
from tandem.crm import services as crm_services
from tandem.crm.choices import CommitteeRole, OpportunityStage, Outcome
from tandem.crm.models import Opportunity
from tandem.people.access import current_user
from tandem.people.selectors import sales_owners
from tandem.web.params import fragment, int_or_none

PAGE_SIZE = 50
OUTCOME_VALUES = frozenset(Outcome.values)
ROLE_ORDER = {role: rank for rank, role in enumerate(CommitteeRole.values)}
# The outcome each stage implies; open stages reopen a closed deal.
STAGE_OUTCOME = {
    OpportunityStage.CLOSED_WON.value: Outcome.WON.value,
    OpportunityStage.CLOSED_LOST.value: Outcome.LOST.value,
}


@require_GET
@vary_on_headers("HX-Request")
def opportunity_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    params = request.GET
    owner = params.get("owner", "")
    outcome = params.get("outcome", "")
    filters = crm_selectors.OpportunityFilters(
        q=params.get("q", "").strip(),
        outcome=outcome if outcome in OUTCOME_VALUES else "",
        owner_id=user.pk if owner == "me" else int_or_none(owner),
        unowned=owner == "none",
    )
    qs = crm_selectors.opportunity_list(filters, user=user)
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        fragment(request, "tandem/opportunity_list.html", "results"),
        {
            "page": page,
            "filters": filters,
            "owner": owner,
            "outcomes": Outcome.choices,
            "owners": sales_owners(),
            "query": query.urlencode(),
        },
    )


def credit_table(opportunity: Opportunity) -> dict[str, Any]:
    """Marketing's credit for one deal under the workspace's model, ready to show."""
    model = AttributionSettings.current().model
    rows = credit.deal_credit(opportunity, model=model)
    return {
        "model": model,
        "model_label": model_label(model),
        "rows": [
            {
                "credit": row,
                "channel_label": channel_label(row.channel),
                "percent": percent(row.share),
                "width": round(100 * row.share, 1),
            }
            for row in rows
        ],
        "touches": sum(row.touches for row in rows),
        "amount": sum(row.amount for row in rows),
    }


@require_GET
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    user = current_user(request)
    opportunity = crm_selectors.opportunity_for_user(opportunity_id, user=user)
    committee = sorted(
        opportunity.committee.all(),
        key=lambda member: (ROLE_ORDER.get(member.role, len(ROLE_ORDER)), str(member.contact)),
    )
    return render(
        request,
        "tandem/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "committee": committee,
            "credit": credit_table(opportunity),
            "can_edit": user.may(Action.EDIT_OPPORTUNITY, owns=opportunity.owner_id == user.pk),
            "stages": OpportunityStage.choices,
        },
    )


@require_POST
def opportunity_stage(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """Move a deal to another stage; closing it sets its outcome, an open stage reopens it."""
    user = current_user(request)
    opportunity = crm_selectors.opportunity_for_user(opportunity_id, user=user)
    stage = request.POST.get("stage", "")
    changes: dict[str, Any] = {
        "stage": stage,
        "outcome": STAGE_OUTCOME.get(stage, Outcome.OPEN.value),
    }
    if stage == OpportunityStage.CLOSED_LOST:
        changes["lost_reason"] = request.POST.get("lost_reason", "").strip()[:300]
    try:
        crm_services.update_opportunity(opportunity, actor=user, changes=changes)
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        text = f"Moved to {opportunity.get_stage_display()}."
        if opportunity.outcome == Outcome.WON:
            text += " The owner and marketing will be told who helped win it."
        messages.success(request, text)
    return redirect("opportunity", opportunity_id=opportunity_id)
