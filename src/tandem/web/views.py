"""Server-rendered pages. Views parse input, call a selector or service, render.

Pages that have a live part (the contacts table, the definition preview) render the
whole page normally and only the fragment for htmx requests, from one template.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from tandem.core import conditions, lifecycle
from tandem.core.contact_fields import FIELDS, NAMED_LISTS
from tandem.core.errors import CoreError
from tandem.core.permissions import Action
from tandem.crm import selectors as crm_selectors
from tandem.crm import services as crm_services
from tandem.crm.models import Contact
from tandem.errors import Forbidden
from tandem.people.access import current_user
from tandem.people.models import User
from tandem.people.selectors import sales_owners
from tandem.qualification import selectors as q_selectors
from tandem.qualification import services as q_services
from tandem.qualification.models import DefinitionKind, DefinitionVersion, VersionStatus
from tandem.web.params import fragment, int_or_none

PAGE_SIZE = 50
STAGE_VALUES = frozenset(stage.value for stage in lifecycle.Stage)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user: User = current_user(request)
    counts = dict(Contact.objects.values_list("lifecycle_stage").annotate(n=Count("id")).order_by())
    funnel = [(stage, counts.get(stage.value, 0)) for stage in lifecycle.Stage]
    widest = max((n for _, n in funnel), default=0) or 1
    mine = []
    if user.role in {"sales_rep", "sales_manager"}:
        mine = list(
            Contact.objects.filter(
                owner=user,
                lifecycle_stage__in=[lifecycle.Stage.MQL, lifecycle.Stage.SAL, lifecycle.Stage.SQL],
            )
            .select_related("account")
            .order_by("-updated_at")[:10]
        )
    awaiting = [
        version
        for version in DefinitionVersion.objects.filter(status=VersionStatus.PENDING)
        .prefetch_related("signoffs")
        .order_by("kind", "number")
        if _can_sign(user, version)
    ]
    return render(
        request,
        "tandem/home.html",
        {
            "funnel": [(stage, n, round(100 * n / widest)) for stage, n in funnel],
            "mine": mine,
            "awaiting": awaiting,
        },
    )


def _can_sign(user: User, version: DefinitionVersion) -> bool:
    signed = {s.side for s in version.signoffs.all()}
    if any(s.user_id == user.pk for s in version.signoffs.all()):
        return False
    return (user.may(Action.APPROVE_FOR_MARKETING) and "marketing" not in signed) or (
        user.may(Action.APPROVE_FOR_SALES) and "sales" not in signed
    )


@require_GET
@vary_on_headers("HX-Request")
def contact_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    owner = params.get("owner", "")
    filters = crm_selectors.ContactFilters(
        q=params.get("q", "").strip(),
        stage=params.get("stage", "") if params.get("stage", "") in STAGE_VALUES else "",
        owner_id=request.user.pk if owner == "me" else int_or_none(owner),
        unowned=owner == "none",
        min_score=int_or_none(params.get("min_score")),
        grade=params.get("grade", "").strip()[:2],
    )
    qs = crm_selectors.contact_list(filters, user=current_user(request))
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        fragment(request, "tandem/contact_list.html", "results"),
        {
            "page": page,
            "filters": filters,
            "owner": owner,
            "stages": list(lifecycle.Stage),
            "owners": sales_owners(),
            "query": query.urlencode(),
        },
    )


def _evaluations(contact: Contact) -> list[dict[str, Any]]:
    result = []
    for kind in (DefinitionKind.MQL, DefinitionKind.SQL):
        version = q_selectors.active_version(kind)
        if version is not None:
            result.append(
                {"version": version, "evaluation": q_services.evaluate_contact(version, contact)}
            )
    return result


@require_GET
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = crm_selectors.contact_for_user(contact_id, user=current_user(request))
    user: User = current_user(request)
    stage = lifecycle.Stage(contact.lifecycle_stage)
    return render(
        request,
        "tandem/contact_detail.html",
        {
            "contact": contact,
            "stage": stage,
            "targets": lifecycle.allowed_targets(stage),
            "can_move": user.may(Action.MOVE_STAGE, owns=contact.owner_id == user.pk),
            "timeline": crm_selectors.contact_timeline(contact),
            "history": crm_selectors.contact_history(contact),
            "evaluations": _evaluations(contact),
        },
    )


@require_POST
def contact_move(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = crm_selectors.contact_for_user(contact_id, user=current_user(request))
    try:
        crm_services.move_stage(
            contact,
            to_stage=request.POST.get("to_stage", ""),
            reason=request.POST.get("reason", ""),
            actor=current_user(request),
        )
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Moved to {lifecycle.Stage(contact.lifecycle_stage).label}.")
    return redirect("contact", contact_id=contact.pk)


def _definitions_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user: User = current_user(request)
    kinds = []
    for kind in DefinitionKind:
        all_versions = list(q_selectors.versions(kind))
        pending = [v for v in all_versions if v.status == VersionStatus.PENDING]
        for version in pending:
            version.can_sign = _can_sign(user, version)  # type: ignore[attr-defined]
            version.sides_signed = {s.side: s for s in version.signoffs.all()}  # type: ignore[attr-defined]
        kinds.append(
            {
                "kind": kind,
                "active": next((v for v in all_versions if v.status == VersionStatus.ACTIVE), None),
                "pending": pending,
                "past": [
                    v
                    for v in all_versions
                    if v.status in {VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN}
                ],
            }
        )
    return {
        "kinds": kinds,
        "fields": FIELDS,
        "lists": NAMED_LISTS,
        "can_propose": user.may(Action.PROPOSE_DEFINITION),
        "is_admin_signer": user.may(Action.APPROVE_FOR_MARKETING)
        and user.may(Action.APPROVE_FOR_SALES),
        **extra,
    }


@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    return render(request, "tandem/definitions.html", _definitions_context(request))


@require_POST
def definition_propose(request: HttpRequest) -> HttpResponse:
    form = {
        "kind": request.POST.get("kind", ""),
        "criteria": request.POST.get("criteria", ""),
        "note": request.POST.get("note", ""),
    }
    try:
        version = q_services.propose_definition(actor=current_user(request), **form)
    except Forbidden:
        # Roles that may not propose get no form to show the error in; the error
        # page says why, with a 403 rather than a 422 with no message at all.
        raise
    except CoreError as exc:
        context = _definitions_context(
            request, form=form, form_error=_describe(exc, form["criteria"])
        )
        return render(request, "tandem/definitions.html", context, status=422)
    messages.success(
        request, f"Proposed {version}. It becomes active when marketing and sales both approve."
    )
    return redirect("definitions")


def _describe(exc: CoreError, text: str) -> dict[str, Any]:
    """The error with the text split around its position, to point at it on the page."""
    position = getattr(exc, "position", None)
    if position is None:
        return {"message": str(exc)}
    position = max(0, min(position, len(text)))
    return {
        "message": str(exc),
        "before": text[:position],
        "at": text[position : position + 1] or " ",
        "after": text[position + 1 :],
    }


@require_POST
def definition_check(request: HttpRequest) -> HttpResponse:
    """Live check of criteria text while it is typed (htmx)."""
    text = request.POST.get("criteria", "")
    error = None
    if text.strip():
        try:
            q_services.compile_criteria(text)
        except conditions.ConditionError as exc:
            error = _describe(exc, text)
    return render(
        request,
        "tandem/definitions.html#criteria-check",
        {"check_error": error, "checked": bool(text.strip())},
    )


@require_POST
def definition_approve(request: HttpRequest, version_id: int) -> HttpResponse:
    try:
        version = q_selectors.version_by_id(version_id)
        version = q_services.approve_definition(
            version,
            actor=current_user(request),
            side=request.POST.get("side") or None,
        )
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        if version.status == VersionStatus.ACTIVE:
            messages.success(
                request,
                f"{version} is now active. Contacts that meet it are being re-evaluated.",
            )
        else:
            messages.success(request, f"Your approval of {version} is recorded.")
    return redirect("definitions")


@require_POST
def definition_withdraw(request: HttpRequest, version_id: int) -> HttpResponse:
    try:
        version = q_selectors.version_by_id(version_id)
        q_services.withdraw_definition(version, actor=current_user(request))
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Withdrew {version}.")
    return redirect("definitions")


@require_GET
def definition_preview(request: HttpRequest, version_id: int) -> HttpResponse:
    version = q_selectors.version_by_id(version_id)
    preview = q_services.preview_version(version)
    sample = list(Contact.objects.filter(pk__in=preview.would_qualify).select_related("account"))
    return render(
        request,
        fragment(request, "tandem/definition_preview.html", "preview"),
        {"version": version, "preview": preview, "sample": sample},
    )
