"""Scoring pages: overview with charts, the rules editor with a preview, jobs' progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.contact_fields import FIELDS as FIT_FIELDS_HELP
from tandem.core.errors import CoreError
from tandem.core.permissions import Action
from tandem.core.scoring import ScoringConfig
from tandem.crm.choices import TouchpointType
from tandem.crm.models import Contact
from tandem.errors import http_status
from tandem.jobs.models import Job
from tandem.people.access import current_user
from tandem.qualification import predictive_services, scoring_selectors, scoring_services
from tandem.qualification.models import PredictiveModel, ScoringRuleSet
from tandem.web import charts, scoring_forms


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    grades = scoring_selectors.grade_counts()
    fit_deciles = scoring_selectors.conversion_by_decile("fit_score")
    predicted = scoring_selectors.conversion_by_decile("predicted_probability")
    context = {
        "ruleset": scoring_services.active_ruleset(),
        "model": PredictiveModel.objects.filter(is_active=True).first(),
        "job": Job.objects.filter(kind="rescore").first(),
        "can_manage": user.may(Action.MANAGE_SCORING),
        "grade_chart": charts.bar(
            [g for g, _ in grades],
            [n for _, n in grades],
            title="Contacts by grade (fit letter, engagement digit)",
            x_title="Grade",
            y_title="Contacts",
        ),
        "fit_chart": charts.calibration(
            [d.label for d in fit_deciles],
            [d.converted for d in fit_deciles],
            None,
            [d.contacts for d in fit_deciles],
            title="Conversion to SQL by fit score decile",
        )
        if fit_deciles
        else None,
        "predicted_chart": charts.calibration(
            [d.label for d in predicted],
            [d.converted for d in predicted],
            [d.mean_score for d in predicted],
            [d.contacts for d in predicted],
            title="Calibration: predicted vs observed conversion",
        )
        if predicted
        else None,
    }
    return render(request, "tandem/scoring.html", context)


@require_POST
def rescore(request: HttpRequest) -> HttpResponse:
    try:
        scoring_services.schedule_rescore(actor=current_user(request))
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Rescoring every contact in the background.")
    return redirect("scoring")


@require_GET
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    return render(request, "tandem/job.html#job", {"job": job})


@require_POST
def activate_rules(request: HttpRequest, ruleset_id: int) -> HttpResponse:
    ruleset = get_object_or_404(ScoringRuleSet, pk=ruleset_id)
    try:
        scoring_services.activate_rules(ruleset, actor=current_user(request))
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{ruleset} is active. Every contact is being rescored.")
    return redirect("scoring")


@require_GET
def models(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "tandem/models.html",
        {
            "models": PredictiveModel.objects.select_related("trained_by"),
            "job": Job.objects.filter(kind__in=["train", "predict"]).first(),
            "can_manage": user.may(Action.MANAGE_SCORING),
            "stale_days": settings.CONFIG.stale_days,
        },
    )


@require_GET
def model_card(request: HttpRequest, model_id: int) -> HttpResponse:
    record = get_object_or_404(PredictiveModel, pk=model_id)
    return render(
        request,
        "tandem/model_card.html",
        {"record": record, "can_manage": current_user(request).may(Action.MANAGE_SCORING)},
    )


@require_POST
def train_model(request: HttpRequest) -> HttpResponse:
    try:
        predictive_services.schedule_training(actor=current_user(request))
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Training started. This page shows its progress.")
    return redirect("scoring-models")


@require_POST
def activate_model(request: HttpRequest, model_id: int) -> HttpResponse:
    record = get_object_or_404(PredictiveModel, pk=model_id)
    try:
        predictive_services.activate_model(record, actor=current_user(request))
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{record} is now in use; every contact is being rescored.")
    return redirect("scoring-models")


def _rules_context(request: HttpRequest, rows: dict[str, Any], **extra: Any) -> dict[str, Any]:
    config = extra.pop("config", None) or scoring_services.active_config().to_dict()
    return {
        "rows": rows,
        "half_life_days": extra.pop("half_life_days", config["half_life_days"]),
        "thresholds": extra.pop("thresholds", config["grade_thresholds"]),
        "versions": ScoringRuleSet.objects.select_related("created_by", "activated_by"),
        "touchpoint_types": TouchpointType.choices,
        "fields": FIT_FIELDS_HELP,
        "can_manage": current_user(request).may(Action.MANAGE_SCORING),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """The rules editor: starts from the rules in force (or ``?from=<version>``)."""
    if request.method == "GET":
        wanted = _int(request.GET.get("from"))
        source = ScoringRuleSet.objects.filter(pk=wanted).first() if wanted else None
        config = source.config if source else scoring_services.active_config().to_dict()
        rows = scoring_forms.rows_from_config(config)
        return render(request, "tandem/rules.html", _rules_context(request, rows, config=config))
    rows = scoring_forms.rows_from_post(request.POST)
    config = scoring_forms.config_from_rows(rows, request.POST)
    try:
        ruleset = scoring_services.save_rules(
            config=config, note=request.POST.get("note", ""), actor=current_user(request)
        )
    except CoreError as exc:
        return render(
            request,
            "tandem/rules.html",
            _rules_context(
                request,
                scoring_forms.pad(rows),
                half_life_days=request.POST.get("half_life_days", ""),
                thresholds=[request.POST.get(f"threshold-{i}", "") for i in range(3)],
                error=str(exc),
                error_at=scoring_forms.row_of(getattr(exc, "path", ""), rows),
                note=request.POST.get("note", ""),
            ),
            status=http_status(exc),
        )
    messages.success(request, f"Saved {ruleset}. Activate it to rescore every contact.")
    return redirect("scoring-rules")


@require_POST
def rules_preview(request: HttpRequest) -> HttpResponse:
    """What the rules being edited would change, against every contact as they are now."""
    rows = scoring_forms.rows_from_post(request.POST)
    try:
        config = ScoringConfig.from_dict(scoring_forms.config_from_rows(rows, request.POST))
        preview = scoring_services.preview_rules(config)
    except CoreError as exc:
        return render(request, "tandem/rules.html#preview", {"error": str(exc)})
    sample = Contact.objects.filter(pk__in=preview.sample).select_related("account")
    return render(request, "tandem/rules.html#preview", {"preview": preview, "sample": sample})


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None
