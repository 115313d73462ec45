"""Predictive scoring on the workspace's own history: build the training set from the
store, train and keep model versions, activate or roll back, and score every contact.

Outcomes: a contact is a positive once it reached SQL, opportunity or customer; a
negative when it was disqualified, or when it has gone nowhere for ``TANDEM_STALE_DAYS``
(90 by default).
Everything else is still open: it is scored but not learnt from. Each contact is
described as of the moment its outcome was decided (see ``tandem.analytics.features``),
so nothing that happened because of the outcome leaks into the features.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from tandem.analytics.features import engagement_features
from tandem.analytics.predictive import TrainedModel, load_model, train
from tandem.core.contact_fields import FREE_EMAIL_DOMAINS
from tandem.core.permissions import Action
from tandem.crm.choices import Channel, TouchpointType
from tandem.crm.models import Contact, StageTransition
from tandem.jobs import services as jobs
from tandem.jobs.models import Job
from tandem.people.access import require
from tandem.people.models import User
from tandem.qualification.models import PredictiveModel
from tandem.qualification.scoring_data import contacts_table, touchpoints_table, update_contacts
from tandem.qualification.scoring_selectors import CONVERTED_STAGES

TARGET = "converted"
# What the model may read about a contact. Scores, stage and names are left out: the
# first two are consequences of the outcome, the last identify rather than describe.
PROFILE_FIELDS = (
    "seniority", "persona", "country", "source_channel", "industry", "employee_count",
    "annual_revenue", "account_country", "has_account",
)  # fmt: skip


def _outcomes(now: datetime) -> pd.DataFrame:
    """contact_id, as_of, converted (1, 0 or missing for still-open contacts).

    The moment a contact is described at must not give its outcome away. A converted
    contact is seen just before it reached SQL, a disqualified one when it was
    disqualified. A stale one has no such moment; seeing it *now*, months after its
    last touch, would teach the model that silence means failure only because of how
    the rows were picked. It is seen instead at the age at which converted contacts
    typically convert (the median), so both kinds are described at a comparable point.
    """
    reached = dict(
        StageTransition.objects.filter(to_stage__in=CONVERTED_STAGES)
        .values("contact_id")
        .annotate(at=Min("occurred_at"))
        .values_list("contact_id", "at")
    )
    dropped = dict(
        StageTransition.objects.filter(to_stage="disqualified")
        .values("contact_id")
        .annotate(at=Max("occurred_at"))
        .values_list("contact_id", "at")
    )
    contacts = list(Contact.objects.values_list("pk", "lifecycle_stage", "created_at"))
    created = {pk: at for pk, _, at in contacts}
    ages = sorted((at - created[pk]).total_seconds() for pk, at in reached.items() if pk in created)
    stale_days = settings.CONFIG.stale_days
    typical_age = timedelta(seconds=ages[len(ages) // 2] if ages else stale_days * 86400)
    stale_before = now - timedelta(days=stale_days)
    rows: list[tuple[int, datetime, float | None]] = []
    for pk, stage, born in contacts:
        if pk in reached:
            rows.append((pk, reached[pk], 1.0))
        elif stage == "disqualified" and pk in dropped:
            rows.append((pk, dropped[pk], 0.0))
        elif born < stale_before and stage not in CONVERTED_STAGES:
            rows.append((pk, min(now, born + typical_age), 0.0))
        else:
            rows.append((pk, now, None))
    return pd.DataFrame(rows, columns=["contact_id", "as_of", TARGET])


def feature_frame(now: datetime) -> pd.DataFrame:
    """Every contact's profile and engagement features, with its outcome if known."""
    outcomes = _outcomes(now)
    profile = contacts_table().to_pandas()
    profile["free_email"] = profile["email_domain"].isin(FREE_EMAIL_DOMAINS)
    profile = profile[["contact_id", *PROFILE_FIELDS, "free_email"]]
    as_of = pa.table(
        {
            "contact_id": pa.array(outcomes["contact_id"], pa.int64()),
            "as_of": pa.array(
                pd.to_datetime(outcomes["as_of"], utc=True), pa.timestamp("us", tz="UTC")
            ),
        }
    )
    engagement = engagement_features(
        touchpoints_table(),
        as_of,
        types=list(TouchpointType.values),
        channels=list(Channel.values),
    ).to_pandas()
    frame = profile.merge(engagement, on="contact_id", how="left").merge(
        outcomes[["contact_id", TARGET]], on="contact_id", how="left"
    )
    return frame.sort_values("contact_id").reset_index(drop=True)


def _models_dir() -> Path:
    return Path(settings.CONFIG.data_dir) / "models"


def schedule_training(*, actor: User) -> Job:
    require(actor, Action.MANAGE_SCORING)
    job = jobs.create_job(kind="train", title="Training a predictive model", actor=actor)
    job_id, user_id = job.pk, actor.pk
    transaction.on_commit(lambda: _enqueue("train_model_task", job_id, user_id))
    return job


def _enqueue(name: str, *args: int) -> None:
    from tandem.qualification import tasks

    getattr(tasks, name)(*args)


def train_model(*, job_id: int | None = None, actor: User | None = None) -> PredictiveModel:
    """Train on the outcomes known now and keep the result as a new (inactive) version."""

    def work(report: jobs.Report) -> dict[str, Any]:
        report("Building features from the store", 0, 3)
        frame = feature_frame(timezone.now())
        labelled = frame[frame[TARGET].notna()].copy()
        labelled[TARGET] = labelled[TARGET].astype(int)
        report("Training and cross-validating", 1, 3)
        model = train(labelled, target=TARGET, positive="1", id_column="contact_id")
        report("Saving the model", 2, 3)
        record = _store(model, actor)
        return {"model_id": record.pk, "message": f"{record} trained"}

    result = jobs.run(job_id, work)
    return PredictiveModel.objects.get(pk=result["model_id"])


@transaction.atomic
def _store(model: TrainedModel, actor: User | None) -> PredictiveModel:
    number = (PredictiveModel.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0) + 1
    folder = _models_dir() / f"v{number}"
    if folder.exists():  # left by a run that died before its row was written
        shutil.rmtree(folder)
    model.save(folder)
    return PredictiveModel.objects.create(
        number=number,
        card=model.card,
        path=str(folder.relative_to(settings.CONFIG.data_dir)),
        trained_by=actor,
        trained_at=timezone.now(),
    )


@transaction.atomic
def activate_model(record: PredictiveModel, *, actor: User) -> Job:
    """Make a version the one in use (also how to roll back) and rescore everyone with it."""
    require(actor, Action.MANAGE_SCORING)
    PredictiveModel.objects.filter(is_active=True).update(is_active=False)
    record.is_active = True
    record.activated_at = timezone.now()
    record.save(update_fields=["is_active", "activated_at"])
    job = jobs.create_job(kind="predict", title=f"Scoring every contact with {record}", actor=actor)
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue("predict_task", job_id))
    return job


def predict_all(*, job_id: int | None = None) -> dict[str, Any]:
    def work(report: jobs.Report) -> dict[str, Any]:
        record = PredictiveModel.objects.filter(is_active=True).first()
        if record is None:
            raise ValueError("No predictive model is active.")
        model = load_model(Path(settings.CONFIG.data_dir) / record.path)
        report("Building features", 0, 0)
        frame = feature_frame(timezone.now())
        result = model.predict(frame.drop(columns=[TARGET]))
        rows = [
            (round(float(p), 4), json.dumps(format_factor_list(factors)), pk)
            for pk, p, factors in zip(
                frame["contact_id"].tolist(), result.probabilities, result.factors, strict=True
            )
        ]
        written = update_contacts(
            ["predicted_probability", "prediction_factors"],
            rows,
            json_columns=frozenset({"prediction_factors"}),
            step="Writing predictions",
            report=report,
        )
        return {"scored": written, "message": f"{written} contacts scored with {record}"}

    return jobs.run(job_id, work)


def format_factor_list(factors: Any) -> list[str]:
    return [f"{'+' if f.contribution > 0 else '-'} {f.label}" for f in factors]
