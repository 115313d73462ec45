"""The closed-loop reporting page: one view for the page and each of its sections.

Every filter is a GET parameter, so a report can be bookmarked and shared. htmx
requests name the section they replace (``HX-Target``) and only that section is
computed and rendered. Parameters that cannot be read are reported by field, and
nothing is computed until they are fixed: the page answers 400 with the messages
(200 inside an htmx swap, which htmx would otherwise not show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from tandem.closedloop import reports
from tandem.closedloop.models import MODEL_CHOICES, AttributionSettings
from tandem.core import funnel
from tandem.web import charts

TEMPLATE = "tandem/closedloop.html"
# Compared side by side with the workspace's model when no models are chosen.
COMPARED_BY_DEFAULT = ("first_touch", "last_touch")
MODEL_CODES = tuple(code for code, _ in MODEL_CHOICES)
# Sections the page loads after it is shown.
DEFERRED = ("credit", "roi")
# htmx target id -> the partial that fills it.
SECTIONS = {
    "report": "report",
    "funnel-section": "funnel",
    "credit-section": "credit",
    "roi-section": "roi",
}


@dataclass(frozen=True, kw_only=True)
class Filters:
    first: date | None  # first cohort month shown
    last: date | None  # last cohort month shown
    by: str  # funnel breakdown
    group: str  # sourced/influenced grouping
    models: tuple[str, ...]  # attribution models compared for ROI
    workspace_model: str

    @property
    def period(self) -> reports.Period:
        start, end = funnel.month_span(self.first, self.last)
        return reports.Period(start=start, end=end)

    def query(self) -> str:
        params: list[tuple[str, str]] = []
        if self.first:
            params.append(("from", f"{self.first:%Y-%m}"))
        if self.last:
            params.append(("to", f"{self.last:%Y-%m}"))
        params += [("by", self.by), ("group", self.group)]
        params += [("models", m) for m in self.models]
        return urlencode(params)


def parse_filters(params: QueryDict, *, workspace_model: str) -> tuple[Filters, dict[str, str]]:
    """The filters in ``params`` and a message per field that could not be read.

    Unreadable fields fall back to their defaults in the returned filters, so the form
    can be shown again with what was typed and what went wrong.
    """
    errors: dict[str, str] = {}
    months: dict[str, date | None] = {"from": None, "to": None}
    for name in months:
        raw = params.get(name, "").strip()
        if raw:
            try:
                months[name] = funnel.parse_month(raw)
            except funnel.MonthError as exc:
                errors[name] = f"{'From' if name == 'from' else 'To'}: {exc}"
    if not errors and months["from"] and months["to"] and months["to"] < months["from"]:
        errors["to"] = (
            f"To: the range ends ({months['to']:%Y-%m}) before it starts ({months['from']:%Y-%m})."
        )
    by = params.get("by", "") or "cohort"
    if by not in reports.BREAKDOWNS:
        errors["by"] = f"Break down by: “{by}” is not one of {', '.join(reports.BREAKDOWNS)}."
        by = "cohort"
    group = params.get("group", "") or "channel"
    if group not in reports.CREDIT_GROUPS:
        errors["group"] = f"Group by: “{group}” is not one of {', '.join(reports.CREDIT_GROUPS)}."
        group = "channel"
    chosen = [m for m in params.getlist("models") if m]
    unknown = [m for m in chosen if m not in MODEL_CODES]
    if unknown:
        errors["models"] = (
            f"Models: unknown {', '.join(f'“{m}”' for m in unknown)}; "
            f"choose from {', '.join(MODEL_CODES)}."
        )
    models = tuple(dict.fromkeys(m for m in chosen if m in MODEL_CODES))
    if not models:
        models = tuple(dict.fromkeys((workspace_model, *COMPARED_BY_DEFAULT)))
    filters = Filters(
        first=months["from"],
        last=months["to"],
        by=by,
        group=group,
        models=models,
        workspace_model=workspace_model,
    )
    return filters, errors


@require_GET
@vary_on_headers("HX-Request")
def closed_loop(request: HttpRequest) -> HttpResponse:
    settings_row = AttributionSettings.current()
    filters, errors = parse_filters(request.GET, workspace_model=settings_row.model)
    target = request.htmx.target if request.htmx else None  # type: ignore[attr-defined]
    section = SECTIONS.get(target or "")
    template = f"{TEMPLATE}#{section}" if section else TEMPLATE
    context: dict[str, Any] = {
        "filters": filters,
        "errors": errors,
        "raw": {name: request.GET.get(name, "") for name in ("from", "to")},
        "breakdowns": reports.BREAKDOWNS,
        "groups": reports.CREDIT_GROUPS,
        "model_choices": MODEL_CHOICES,
        "workspace_model": settings_row.model,
        "workspace_model_label": settings_row.get_model_display(),
        "lookback_days": settings_row.lookback_days,
        "query": filters.query(),
    }
    if errors:
        return render(request, template, context, status=200 if section else 400)
    tables = reports.Tables(filters.period, lookback_days=settings_row.lookback_days)
    if section in (None, "report"):
        # Deal-level reports read every committee touch (and ROI runs the attribution
        # models), so the page comes first and fetches them once it is shown, unless
        # asked to render everything at once (``inline``: the link for browsers without
        # JavaScript).
        inline = request.GET.get("inline") == "1"
        wanted = {"funnel", *DEFERRED} if inline else {"funnel"}
        context["deferred"] = not inline
    else:
        wanted = {section}
    if "funnel" in wanted:
        # The ratios and velocity sit outside the funnel's own section.
        context.update(_funnel_context(tables, filters, with_summary=section != "funnel"))
    if "credit" in wanted:
        context.update(_credit_context(tables, filters))
    if "roi" in wanted:
        context["roi"] = reports.campaign_roi(tables, models=filters.models)
    if "funnel" in wanted or "credit" in wanted or "roi" in wanted:
        context["currency"] = tables.currency
        context["mixed_currencies"] = tables.mixed_currencies
    return render(request, template, context)


def _funnel_context(
    tables: reports.Tables, filters: Filters, *, with_summary: bool
) -> dict[str, Any]:
    report = reports.funnel_report(tables, by=filters.by)
    overall = report.overall
    context: dict[str, Any] = {
        "funnel": report,
        "funnel_chart": charts.funnel(
            [step.label for step in overall.steps],
            [step.reached for step in overall.steps],
            title="Contacts that reached each stage",
        )
        if overall.contacts
        else None,
    }
    if with_summary:
        context["summary"] = reports.opportunity_summary(tables)
        context["cohort_chart"] = (
            charts.percent_bars(
                [g.label for g in report.cohorts],
                [g.close_ratio for g in report.cohorts],
                [g.reached("lead") for g in report.cohorts],
                title="Lead-to-customer close ratio by month created",
                x_title="Month created",
                y_title="Leads that became customers",
                count_name="leads",
            )
            if report.cohorts
            else None
        )
    return context


def _credit_context(tables: reports.Tables, filters: Filters) -> dict[str, Any]:
    credit = reports.deal_credit(tables, by=filters.group)
    rows = credit.rows[:15]
    currency = tables.currency
    generated = [g for g in credit.generated if g.deals]
    return {
        "credit": credit,
        "credit_chart": charts.grouped_bars(
            [r.label for r in rows],
            [
                ("Sourced pipeline", [r.sourced_pipeline for r in rows]),
                ("Sourced revenue", [r.sourced_revenue for r in rows]),
                ("Influenced pipeline", [r.influenced_pipeline for r in rows]),
                ("Influenced revenue", [r.influenced_revenue for r in rows]),
            ],
            title=f"Sourced and influenced by {reports.CREDIT_GROUPS[filters.group].lower()}",
            y_title=f"Amount ({currency})" if currency else "Amount",
            currency=currency,
            horizontal=True,
            paired=True,
        )
        if rows
        else None,
        "credit_truncated": len(credit.rows) > len(rows),
        "generated_chart": charts.stacked_share(
            ["Pipeline", "Won revenue"],
            [(g.label, [g.pipeline, g.revenue]) for g in generated],
            title="Who generated the pipeline and the revenue",
            currency=currency,
        )
        if generated
        else None,
    }
