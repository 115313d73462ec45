"""Accounts, contacts, campaigns, touchpoints, opportunities and lifecycle transitions."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from tandem.api.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    DealCreditOut,
    ErrorOut,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    TouchpointBatchIn,
    TouchpointBatchOut,
    TouchpointIn,
    TouchpointOut,
    TouchpointResult,
    TransitionIn,
    TransitionOut,
)
from tandem.closedloop import credit
from tandem.closedloop.models import AttributionSettings
from tandem.closedloop.notifications import model_label
from tandem.core.lifecycle import Stage
from tandem.crm import selectors, services
from tandem.crm.models import Account, Campaign, Opportunity, StageTransition, Touchpoint
from tandem.people.access import current_user

router = Router()
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = 50
        offset: int = 0

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        pagination.limit = max(1, min(pagination.limit, 500))
        pagination.offset = max(0, pagination.offset)
        return super().paginate_queryset(queryset, pagination, request, **params)


def _create_data(payload: Schema) -> dict[str, Any]:
    """The payload as service input, leaving out an owner the client did not send.

    The services give a record created without an owner a default one (a sales rep
    owns what they create); passing the schema's ``None`` default would instead mean
    "no owner", and a rep could not edit the record they had just created.
    """
    data = payload.dict()
    if "owner_id" not in payload.model_fields_set:
        data.pop("owner_id", None)
    return data


# Accounts -----------------------------------------------------------------------------


class AccountFilters(Schema):
    q: str = ""
    industry: str = ""
    owner_id: int | None = None


@router.get("/accounts", response=list[AccountOut], tags=["accounts"])
@paginate(Page)
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> QuerySet[Account]:
    qs = Account.objects.order_by("name", "id")
    if filters.q:
        qs = qs.filter(name__icontains=filters.q) | qs.filter(domain__icontains=filters.q)
    if filters.industry:
        qs = qs.filter(industry__iexact=filters.industry)
    if filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    return qs


@router.get("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, tags=["accounts"])
def get_account(request: HttpRequest, account_id: int) -> object:
    return selectors.account_for_user(account_id, user=current_user(request))


@router.post("/accounts", response={201: AccountOut, **ERRORS}, tags=["accounts"])
def create_account(request: HttpRequest, payload: AccountIn) -> object:
    return Status(
        201, services.create_account(actor=current_user(request), data=_create_data(payload))
    )


@router.patch("/accounts/{account_id}", response={200: AccountOut, **ERRORS}, tags=["accounts"])
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> object:
    account = selectors.account_for_user(account_id, user=current_user(request))
    return services.update_account(
        account,
        actor=current_user(request),
        changes=payload.dict(exclude_unset=True),
    )


# Contacts -----------------------------------------------------------------------------


class ContactQuery(Schema):
    q: str = ""
    stage: Stage | None = None
    owner_id: int | None = None
    min_score: int | None = None
    max_score: int | None = None
    grade: str = ""


@router.get("/contacts", response=list[ContactOut], tags=["contacts"])
@paginate(Page)
def list_contacts(request: HttpRequest, filters: Query[ContactQuery]) -> object:
    return selectors.contact_list(
        selectors.ContactFilters(
            q=filters.q,
            stage=filters.stage or "",
            owner_id=filters.owner_id,
            min_score=filters.min_score,
            max_score=filters.max_score,
            grade=filters.grade,
        ),
        user=current_user(request),
    )


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def get_contact(request: HttpRequest, contact_id: int) -> object:
    return selectors.contact_for_user(contact_id, user=current_user(request))


@router.post("/contacts", response={201: ContactOut, **ERRORS}, tags=["contacts"])
def create_contact(request: HttpRequest, payload: ContactIn) -> object:
    return Status(
        201, services.create_contact(actor=current_user(request), data=_create_data(payload))
    )


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> object:
    contact = selectors.contact_for_user(contact_id, user=current_user(request))
    return services.update_contact(
        contact,
        actor=current_user(request),
        changes=payload.dict(exclude_unset=True),
    )


@router.get(
    "/contacts/{contact_id}/transitions",
    response={200: list[TransitionOut], **ERRORS},
    tags=["lifecycle"],
)
def list_transitions(request: HttpRequest, contact_id: int) -> object:
    contact = selectors.contact_for_user(contact_id, user=current_user(request))
    return selectors.contact_history(contact)


@router.post(
    "/contacts/{contact_id}/transitions",
    response={201: TransitionOut, **ERRORS},
    tags=["lifecycle"],
    summary="Move a contact to another lifecycle stage",
    description="409 with the reason when the lifecycle does not allow the move.",
)
def create_transition(request: HttpRequest, contact_id: int, payload: TransitionIn) -> object:
    contact = selectors.contact_for_user(contact_id, user=current_user(request))
    transition: StageTransition = services.move_stage(
        contact,
        to_stage=payload.to_stage,
        actor=current_user(request),
        reason=payload.reason,
    )
    return Status(201, transition)


# Campaigns ----------------------------------------------------------------------------


@router.get("/campaigns", response=list[CampaignOut], tags=["campaigns"])
@paginate(Page)
def list_campaigns(request: HttpRequest, channel: str = "", q: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.order_by("-starts_on", "name", "id")
    if channel:
        qs = qs.filter(channel=channel)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS}, tags=["campaigns"])
def get_campaign(request: HttpRequest, campaign_id: int) -> object:
    return selectors.campaign_by_id(campaign_id)


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, tags=["campaigns"])
def create_campaign(request: HttpRequest, payload: CampaignIn) -> object:
    return Status(201, services.create_campaign(actor=current_user(request), data=payload.dict()))


@router.patch("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS}, tags=["campaigns"])
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> object:
    campaign = selectors.campaign_by_id(campaign_id)
    return services.update_campaign(
        campaign,
        actor=current_user(request),
        changes=payload.dict(exclude_unset=True),
    )


# Touchpoints --------------------------------------------------------------------------


class TouchpointFilters(Schema):
    contact_id: int | None = None
    campaign_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@router.get("/touchpoints", response=list[TouchpointOut], tags=["touchpoints"])
@paginate(Page)
def list_touchpoints(
    request: HttpRequest, filters: Query[TouchpointFilters]
) -> QuerySet[Touchpoint]:
    qs = Touchpoint.objects.order_by("-occurred_at", "-id")
    if filters.contact_id is not None:
        qs = qs.filter(contact_id=filters.contact_id)
    if filters.campaign_id is not None:
        qs = qs.filter(campaign_id=filters.campaign_id)
    if filters.since is not None:
        qs = qs.filter(occurred_at__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(occurred_at__lt=filters.until)
    return qs


@router.get(
    "/touchpoints/{int:touchpoint_id}",
    response={200: TouchpointOut, **ERRORS},
    tags=["touchpoints"],
)
def get_touchpoint(request: HttpRequest, touchpoint_id: int) -> object:
    touchpoint = Touchpoint.objects.filter(pk=touchpoint_id).first()
    if touchpoint is None:
        return Status(
            404, {"code": "not_found", "message": f"No touchpoint with id {touchpoint_id}."}
        )
    return touchpoint


@router.post(
    "/touchpoints",
    response={200: TouchpointResult, 201: TouchpointResult, **ERRORS},
    tags=["touchpoints"],
    summary="Record one touchpoint (200 when its key was seen before)",
)
def create_touchpoint(request: HttpRequest, payload: TouchpointIn) -> object:
    (outcome,) = services.record_touchpoints([payload.dict()], actor=current_user(request))
    return Status(201 if outcome.status == "created" else 200, outcome)


@router.post(
    "/touchpoints/batch",
    response={200: TouchpointBatchOut, **ERRORS},
    tags=["touchpoints"],
    summary="Record up to 1,000 touchpoints, all or nothing, idempotent by key",
)
def create_touchpoints(request: HttpRequest, payload: TouchpointBatchIn) -> object:
    outcomes = services.record_touchpoints(
        [item.dict() for item in payload.items],
        actor=current_user(request),
    )
    created = sum(o.status == "created" for o in outcomes)
    return {"created": created, "duplicates": len(outcomes) - created, "results": outcomes}


# Opportunities ------------------------------------------------------------------------


@router.get("/opportunities", response=list[OpportunityOut], tags=["opportunities"])
@paginate(Page)
def list_opportunities(
    request: HttpRequest, outcome: str = "", account_id: int | None = None
) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.prefetch_related("committee").order_by("-created_at", "-id")
    if outcome:
        qs = qs.filter(outcome=outcome)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    return qs


@router.get(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityOut, **ERRORS},
    tags=["opportunities"],
)
def get_opportunity(request: HttpRequest, opportunity_id: int) -> object:
    return selectors.opportunity_for_user(opportunity_id, user=current_user(request))


@router.post("/opportunities", response={201: OpportunityOut, **ERRORS}, tags=["opportunities"])
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> object:
    data = _create_data(payload)
    if not payload.created_at:
        data.pop("created_at")
    return Status(201, services.create_opportunity(actor=current_user(request), data=data))


@router.patch(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityOut, **ERRORS},
    tags=["opportunities"],
)
def update_opportunity(
    request: HttpRequest, opportunity_id: int, payload: OpportunityPatch
) -> object:
    opportunity = selectors.opportunity_for_user(opportunity_id, user=current_user(request))
    return services.update_opportunity(
        opportunity,
        actor=current_user(request),
        changes=payload.dict(exclude_unset=True),
    )


@router.get(
    "/opportunities/{opportunity_id}/credit",
    response={200: DealCreditOut, **ERRORS},
    tags=["opportunities"],
    summary="Who helped win this deal: campaigns and content with their credit",
    description=(
        "Every campaign (or channel, for touches without one) that touched the deal's "
        "buying committee, with its share (0..1, adding up to 1) and amount under the "
        "workspace's attribution model."
    ),
)
def get_opportunity_credit(request: HttpRequest, opportunity_id: int) -> object:
    opportunity = selectors.opportunity_for_user(opportunity_id, user=current_user(request))
    model = AttributionSettings.current().model
    return {
        "opportunity_id": opportunity.pk,
        "currency": opportunity.currency,
        "amount": opportunity.amount,
        "model": model,
        "model_label": model_label(model),
        "credit": credit.deal_credit(opportunity, model=model),
    }
