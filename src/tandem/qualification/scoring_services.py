"""Scoring rules: save a version, preview its effect, activate it, rescore everyone.

The maths is in ``tandem.core.scoring`` (one contact, for explanations and tests) and
``tandem.analytics.rule_scoring`` (every contact at once, in DuckDB). This module moves
data between the store and those engines and records what happened.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from tandem.analytics.rule_scoring import score_all
from tandem.core.permissions import Action
from tandem.core.scoring import DEFAULT_CONFIG, ScoringConfig
from tandem.crm.choices import TouchpointType
from tandem.crm.models import Contact
from tandem.jobs import services as jobs
from tandem.jobs.models import Job
from tandem.people.access import require
from tandem.people.models import User
from tandem.qualification.models import DefinitionKind, ScoringRuleSet
from tandem.qualification.scoring_data import contacts_table, touchpoints_table, update_contacts
from tandem.qualification.selectors import active_version
from tandem.qualification.services import apply_mql_definition

SCORE_COLUMNS = ("contact_id", "fit_score", "engagement_score", "grade", "explanation")


def active_ruleset() -> ScoringRuleSet | None:
    return ScoringRuleSet.objects.filter(is_active=True).first()


def active_config() -> ScoringConfig:
    """The rules in force: the active version, or the built-in defaults before any exists."""
    ruleset = active_ruleset()
    return ScoringConfig.from_dict(ruleset.config) if ruleset else DEFAULT_CONFIG


@transaction.atomic
def save_rules(*, config: dict[str, Any], note: str = "", actor: User) -> ScoringRuleSet:
    """Store a new version of the rules; raises ScoringConfigError naming the bad entry."""
    require(actor, Action.MANAGE_SCORING)
    parsed = ScoringConfig.from_dict(config, known_types=TouchpointType.values)
    last = ScoringRuleSet.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0
    return ScoringRuleSet.objects.create(
        number=last + 1,
        config=parsed.to_dict(),
        note=note.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )


@transaction.atomic
def activate_rules(ruleset: ScoringRuleSet, *, actor: User) -> Job:
    """Make a version the rules in force (also how to roll back) and rescore everyone."""
    require(actor, Action.MANAGE_SCORING)
    ScoringRuleSet.objects.filter(is_active=True).update(is_active=False)
    ruleset.is_active = True
    ruleset.activated_at = timezone.now()
    ruleset.activated_by = actor
    ruleset.save(update_fields=["is_active", "activated_at", "activated_by"])
    return schedule_rescore(actor=actor, title=f"Rescoring every contact with {ruleset}")


def schedule_rescore(*, actor: User | None, title: str = "Rescoring every contact") -> Job:
    require(actor, Action.MANAGE_SCORING)
    job = jobs.create_job(kind="rescore", title=title, actor=actor)
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue_rescore(job_id))
    return job


def _enqueue_rescore(job_id: int) -> None:
    from tandem.qualification.tasks import rescore_task

    rescore_task(job_id)


def compute_scores(config: ScoringConfig, *, now: datetime) -> Any:
    """Scores of every contact under ``config``, as an Arrow table (nothing written)."""
    return score_all(config, contacts_table(), touchpoints_table(), now=now)


@dataclass(frozen=True, kw_only=True)
class RulesPreview:
    total: int
    changed: int  # contacts whose grade would change
    moves: list[tuple[str, str, int]]  # (from grade, to grade, contacts), largest first
    sample: list[int]  # ids of some contacts whose grade would change


def preview_rules(
    config: ScoringConfig, *, now: datetime | None = None, sample: int = 20
) -> RulesPreview:
    scored = compute_scores(config, now=now or timezone.now())
    current = dict(Contact.objects.values_list("pk", "grade"))
    moves: Counter[tuple[str, str]] = Counter()
    changed_ids: list[int] = []
    for pk, grade in zip(
        scored.column("contact_id").to_pylist(), scored.column("grade").to_pylist(), strict=True
    ):
        before = current.get(pk) or "—"
        if before != grade:
            moves[(before, grade)] += 1
            if len(changed_ids) < sample:
                changed_ids.append(pk)
    return RulesPreview(
        total=scored.num_rows,
        changed=sum(moves.values()),
        moves=[(a, b, n) for (a, b), n in moves.most_common(12)],
        sample=changed_ids,
    )


def rescore_all(
    *,
    job_id: int | None = None,
    now: datetime | None = None,
    progress: jobs.Report | None = None,
) -> dict[str, Any]:
    """Score every contact with the active rules and write the scores back in batches.

    Each batch is its own transaction: a worker killed half-way leaves whole batches
    written, and running the job again simply rescores everyone. Contacts who now
    meet the active MQL definition move to MQL afterwards.
    """

    def work(report: jobs.Report) -> dict[str, Any]:
        moment = now or timezone.now()
        report("Reading contacts and touchpoints", 0, 0)
        scored = compute_scores(active_config(), now=moment)
        report("Reading contacts and touchpoints", 1, 1)
        written = _write_scores(scored, moment, report)
        moved = 0
        version = active_version(DefinitionKind.MQL)
        if version is not None:
            report("Moving contacts that now qualify", written, written)
            moved = apply_mql_definition(version.pk)
        return {"scored": written, "moved_to_mql": moved}

    return jobs.run(job_id, work, progress=progress)


def _write_scores(scored: Any, moment: datetime, report: jobs.Report) -> int:
    stamp = connection.ops.adapt_datetimefield_value(moment)
    rows = [
        (fit, engagement, grade, _json(explanation), stamp, pk)
        for pk, fit, engagement, grade, explanation in zip(
            *(scored.column(name).to_pylist() for name in SCORE_COLUMNS), strict=True
        )
    ]
    return update_contacts(
        ["fit_score", "engagement_score", "grade", "score_explanation", "scored_at"],
        rows,
        json_columns=frozenset({"score_explanation"}),
        step="Writing scores",
        report=report,
    )


def _json(explanation: Any) -> str:
    # The engine returns JSON text; keep it as is, but make sure it is valid JSON.
    return explanation if isinstance(explanation, str) else json.dumps(explanation)
