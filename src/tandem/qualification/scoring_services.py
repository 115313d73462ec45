"""Scoring rules: save a version, preview its effect, activate it, rescore everyone.

The maths is in ``tandem.core.scoring`` (one contact, for explanations and tests) and
``tandem.analytics.rule_scoring`` (every contact at once, in DuckDB). This module moves
data between the store and those engines and records what happened.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
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
from tandem.qualification.scoring_data import contacts_table, touchpoints_table
from tandem.qualification.selectors import active_version
from tandem.qualification.services import apply_mql_definition

WRITE_BATCH = 2000


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
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Score every contact with the active rules and write the scores back in batches.

    Each batch is its own transaction: a worker killed half-way leaves whole batches
    written, and running the job again simply rescores everyone. Contacts who now
    meet the active MQL definition move to MQL afterwards.
    """
    report = progress or (jobs.progress_reporter(job_id) if job_id else _silent)
    if job_id:
        jobs.start(job_id)
    try:
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
    except Exception as exc:
        if job_id:
            jobs.fail(job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    result = {"scored": written, "moved_to_mql": moved}
    if job_id:
        jobs.finish(job_id, result=result)
    return result


def _silent(step: str, done: int, total: int) -> None:
    del step, done, total


def _write_scores(scored: Any, moment: datetime, report: Callable[[str, int, int], None]) -> int:
    ids = scored.column("contact_id").to_pylist()
    fits = scored.column("fit_score").to_pylist()
    engagements = scored.column("engagement_score").to_pylist()
    grades = scored.column("grade").to_pylist()
    explanations = scored.column("explanation").to_pylist()
    table = Contact._meta.db_table
    # One plain UPDATE per row, sent with executemany: portable, and fast on both stores
    # (SQLite in process, psycopg pipelines the statements).
    as_json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"UPDATE {connection.ops.quote_name(table)} SET fit_score = %s, engagement_score = %s, "
        f"grade = %s, score_explanation = {as_json}, scored_at = %s WHERE id = %s"
    )
    total = len(ids)
    stamp = connection.ops.adapt_datetimefield_value(moment)
    for start in range(0, total, WRITE_BATCH):
        end = min(start + WRITE_BATCH, total)
        rows = [
            (fits[i], engagements[i], grades[i], _json(explanations[i]), stamp, ids[i])
            for i in range(start, end)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        report("Writing scores", end, total)
    return total


def _json(explanation: Any) -> str:
    # The engine returns JSON text; keep it as is, but make sure it is valid JSON.
    return explanation if isinstance(explanation, str) else json.dumps(explanation)
