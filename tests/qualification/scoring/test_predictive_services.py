from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tandem.analytics.predictive import TrainingRefused
from tandem.crm import services as crm
from tandem.crm.demo import load_demo
from tandem.crm.models import Contact
from tandem.jobs.models import Job
from tandem.people.models import User
from tandem.qualification import predictive_services
from tandem.qualification.models import PredictiveModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    # Model files go under the data directory; keep each test's apart.
    settings.CONFIG = dataclasses.replace(settings.CONFIG, data_dir=tmp_path)
    return tmp_path


def test_training_keeps_a_version_with_its_card_and_files_then_scores_everyone(
    data_dir, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    load_demo(seed=3, scale=0.03, today=date(2026, 6, 1))
    maria = User.objects.get(username="maria")  # a demo marketing user

    record = predictive_services.train_model(actor=maria)

    assert record.number == 1 and record.is_active is False
    card = record.card
    assert card["rows"] >= 200
    assert card["positives"] > 0 and card["negatives"] > 0
    assert 0.5 < card["validation"]["roc_auc"] <= 1
    assert "lifecycle_stage" not in {f["name"] for f in card["features"]}  # the answer itself
    assert "fit_score" not in {f["name"] for f in card["features"]}
    folder = Path(settings.CONFIG.data_dir) / record.path
    assert {p.name for p in folder.iterdir()} >= {"model.joblib", "card.json", "schema.json"}

    with django_capture_on_commit_callbacks(execute=True):
        predictive_services.activate_model(record, actor=maria)

    job = Job.objects.get(kind="predict")
    assert job.status == "done", job.error
    scored = Contact.objects.exclude(predicted_probability__isnull=True)
    assert scored.count() == Contact.objects.count()
    assert all(0 <= p <= 1 for p in scored.values_list("predicted_probability", flat=True))
    assert any(c.prediction_factors for c in scored[:50])
    sample = next(c for c in scored if c.prediction_factors)
    assert sample.prediction_factors[0][:2] in {"+ ", "- "}


def test_too_few_outcomes_is_refused_and_the_job_says_why(data_dir, marketer):  # type: ignore[no-untyped-def]
    for n in range(30):
        crm.create_contact(actor=None, data={"email": f"p{n}@x.example"})
    job = Job.objects.create(kind="train", title="Training")

    with pytest.raises(TrainingRefused):
        predictive_services.train_model(job_id=job.pk, actor=marketer)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "200" in job.error
    assert PredictiveModel.objects.count() == 0


def test_rolling_back_puts_the_older_version_in_use(data_dir, marketer):  # type: ignore[no-untyped-def]
    first = PredictiveModel.objects.create(number=1, path="models/v1", trained_at=_now())
    second = PredictiveModel.objects.create(number=2, path="models/v2", trained_at=_now())
    predictive_services.activate_model(second, actor=marketer)
    predictive_services.activate_model(first, actor=marketer)

    assert list(PredictiveModel.objects.filter(is_active=True)) == [first]


def _now():  # type: ignore[no-untyped-def]
    return timezone.now()
