"""Agreed MQL/SQL definitions: propose, approve, evaluate a contact."""

from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status

from tandem.api.schemas import (
    ApprovalIn,
    DefinitionIn,
    DefinitionOut,
    ErrorOut,
    EvaluationOut,
)
from tandem.crm.selectors import contact_for_user
from tandem.people.access import current_user
from tandem.qualification import selectors, services
from tandem.qualification.models import DefinitionVersion

router = Router(tags=["definitions"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("", response=list[DefinitionOut])
def list_definitions(request: HttpRequest, kind: str = "") -> QuerySet[DefinitionVersion]:
    qs = DefinitionVersion.objects.prefetch_related("signoffs").order_by("kind", "-number")
    return qs.filter(kind=kind) if kind else qs


@router.get("/{version_id}", response={200: DefinitionOut, **ERRORS})
def get_definition(request: HttpRequest, version_id: int) -> object:
    return selectors.version_by_id(version_id)


@router.post(
    "",
    response={201: DefinitionOut, **ERRORS},
    summary="Propose a new version of the MQL or SQL definition",
    description="Invalid criteria get 422 with the `position` of the fault in the text.",
)
def propose_definition(request: HttpRequest, payload: DefinitionIn) -> object:
    version = services.propose_definition(
        kind=payload.kind,
        criteria=payload.criteria,
        note=payload.note,
        actor=current_user(request),
    )
    return Status(201, version)


@router.post(
    "/{version_id}/approve",
    response={200: DefinitionOut, **ERRORS},
    summary="Sign off a version for your side; the second side's sign-off activates it",
)
def approve_definition(request: HttpRequest, version_id: int, payload: ApprovalIn) -> object:
    version = selectors.version_by_id(version_id)
    services.approve_definition(version, actor=current_user(request), side=payload.side)
    return selectors.version_by_id(version_id)


@router.get(
    "/{version_id}/evaluate/{contact_id}",
    response={200: EvaluationOut, **ERRORS},
    summary="Evaluate a contact: the verdict and every condition met or unmet",
)
def evaluate_contact(request: HttpRequest, version_id: int, contact_id: int) -> object:
    version = selectors.version_by_id(version_id)
    contact = contact_for_user(contact_id, user=current_user(request))
    evaluation = services.evaluate_contact(version, contact)
    return {
        "definition_id": version.pk,
        "contact_id": contact.pk,
        "verdict": evaluation.verdict,
        "checks": [
            {
                "text": check.text,
                "met": check.met,
                "actual": float(check.actual)
                if isinstance(check.actual, Decimal)
                else check.actual,
            }
            for check in evaluation.checks
        ],
    }
