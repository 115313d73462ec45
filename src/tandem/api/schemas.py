"""Request and response shapes of the public API (v1)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, StringConstraints

from tandem.core.lifecycle import Stage
from tandem.crm.choices import Channel, CommitteeRole, OpportunityStage, Outcome, TouchpointType

Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^([A-Za-z]{2})?$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
Criteria = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0)]


class InputSchema(Schema):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str


# Accounts -----------------------------------------------------------------------------


class AccountIn(InputSchema):
    name: Name
    domain: str = ""
    industry: str = ""
    employee_count: Count | None = None
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    country: Country = ""
    owner_id: int | None = None


class AccountPatch(InputSchema):
    name: Name | None = None
    domain: str | None = None
    industry: str | None = None
    employee_count: Count | None = None
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    country: Country | None = None
    owner_id: int | None = None


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    employee_count: int | None
    annual_revenue: Decimal | None
    country: str
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


# Contacts -----------------------------------------------------------------------------


class ContactIn(InputSchema):
    email: Email
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    seniority: str = ""
    persona: str = ""
    phone: str = ""
    country: Country = ""
    account_id: int | None = None
    source_channel: Channel | Literal[""] = ""
    original_campaign_id: int | None = None
    lifecycle_stage: Stage = Stage.LEAD
    owner_id: int | None = None


class ContactPatch(InputSchema):
    email: Email | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    seniority: str | None = None
    persona: str | None = None
    phone: str | None = None
    country: Country | None = None
    account_id: int | None = None
    source_channel: Channel | Literal[""] | None = None
    original_campaign_id: int | None = None
    owner_id: int | None = None
    lifecycle_stage: Stage | None = Field(
        None, description="Not changeable here: POST /contacts/{id}/transitions moves a contact."
    )


class ContactOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    job_title: str
    seniority: str
    persona: str
    phone: str
    country: str
    account_id: int | None
    source_channel: str
    original_campaign_id: int | None
    lifecycle_stage: str
    owner_id: int | None
    fit_score: int | None
    engagement_score: int | None
    grade: str
    predicted_probability: float | None
    created_at: datetime
    updated_at: datetime


class TransitionIn(InputSchema):
    to_stage: Stage
    reason: str = ""


class TransitionOut(Schema):
    id: int
    contact_id: int
    from_stage: str
    to_stage: str
    kind: str
    occurred_at: datetime
    actor_id: int | None
    rule: str
    reason: str
    definition_version_id: int | None


# Campaigns ----------------------------------------------------------------------------


class CampaignIn(InputSchema):
    name: Name
    channel: Channel
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    budget: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    actual_cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class CampaignPatch(InputSchema):
    name: Name | None = None
    channel: Channel | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    budget: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    actual_cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class CampaignOut(Schema):
    id: int
    name: str
    channel: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    starts_on: date | None
    ends_on: date | None
    budget: Decimal | None
    actual_cost: Decimal | None


# Touchpoints --------------------------------------------------------------------------


class TouchpointIn(InputSchema):
    contact_id: int
    campaign_id: int | None = None
    channel: Channel | None = None
    type: TouchpointType
    occurred_at: AwareDatetime
    url: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    idempotency_key: Key | None = Field(
        None, description="Repeat a key to make a retry harmless: it creates nothing."
    )


class TouchpointBatchIn(InputSchema):
    items: list[TouchpointIn] = Field(..., min_length=1, max_length=1000)


class TouchpointOut(Schema):
    id: int
    contact_id: int
    campaign_id: int | None
    channel: str
    type: str
    occurred_at: datetime
    url: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    idempotency_key: str


class TouchpointResult(Schema):
    index: int
    idempotency_key: str
    status: Literal["created", "duplicate"]
    id: int | None


class TouchpointBatchOut(Schema):
    created: int
    duplicates: int
    results: list[TouchpointResult]


# Opportunities ------------------------------------------------------------------------


class CommitteeMember(InputSchema):
    contact_id: int
    role: CommitteeRole


class OpportunityIn(InputSchema):
    account_id: int
    name: Name
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    currency: Currency = "USD"
    stage: OpportunityStage = OpportunityStage.DISCOVERY
    outcome: Outcome = Outcome.OPEN
    lost_reason: str = ""
    close_date: date | None = None
    created_at: AwareDatetime | None = None
    owner_id: int | None = None
    committee: list[CommitteeMember] = []


class OpportunityPatch(InputSchema):
    name: Name | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: Currency | None = None
    stage: OpportunityStage | None = None
    outcome: Outcome | None = None
    lost_reason: str | None = None
    close_date: date | None = None
    owner_id: int | None = None
    committee: list[CommitteeMember] | None = None


class CommitteeOut(Schema):
    contact_id: int
    role: str


class OpportunityOut(Schema):
    id: int
    account_id: int
    name: str
    amount: Decimal
    currency: str
    stage: str
    outcome: str
    lost_reason: str
    close_date: date | None
    created_at: datetime
    owner_id: int | None
    committee: list[CommitteeOut]

    @staticmethod
    def resolve_committee(obj: object) -> list[dict[str, object]]:
        return [
            {"contact_id": m.contact_id, "role": m.role}
            for m in obj.committee.all()  # type: ignore[attr-defined]
        ]


# Definitions --------------------------------------------------------------------------


class DefinitionIn(InputSchema):
    kind: Literal["mql", "sql"]
    criteria: Criteria
    note: str = ""


class ApprovalIn(InputSchema):
    side: Literal["marketing", "sales"] | None = None


class SignoffOut(Schema):
    side: str
    user_id: int
    signed_at: datetime


class DefinitionOut(Schema):
    id: int
    kind: str
    number: int
    criteria: str
    note: str
    status: str
    proposed_by_id: int | None
    proposed_at: datetime
    activated_at: datetime | None
    signoffs: list[SignoffOut]

    @staticmethod
    def resolve_signoffs(obj: object) -> list[dict[str, object]]:
        return [
            {"side": s.side, "user_id": s.user_id, "signed_at": s.signed_at}
            for s in obj.signoffs.all()  # type: ignore[attr-defined]
        ]


class CheckOut(Schema):
    text: str
    met: bool
    actual: str | int | float | bool | None


class EvaluationOut(Schema):
    definition_id: int
    contact_id: int
    verdict: bool
    checks: list[CheckOut]


# Notifications ------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    data: dict[str, object]
    created_at: datetime
    read_at: datetime | None
    unread: bool


class MarkedOut(Schema):
    marked: int


# Marketing credit ---------------------------------------------------------------------


class TouchCreditOut(Schema):
    campaign_id: int | None
    label: str
    channel: str
    content: list[str]
    touches: int
    share: float
    amount: float


class DealCreditOut(Schema):
    opportunity_id: int
    currency: str
    amount: Decimal
    model: str
    model_label: str
    credit: list[TouchCreditOut]
