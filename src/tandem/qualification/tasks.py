"""Background work for qualification. Tasks take ids and call a service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from tandem.qualification import services


@db_task(retries=2, retry_delay=10)
def apply_mql_definition_task(version_id: int) -> int:
    return services.apply_mql_definition(version_id)


@db_task(retries=1, retry_delay=30)
def rescore_task(job_id: int) -> dict[str, int]:
    from tandem.qualification import scoring_services

    return scoring_services.rescore_all(job_id=job_id)


@db_task()
def train_model_task(job_id: int, user_id: int) -> int:
    from tandem.people.models import User
    from tandem.qualification import predictive_services

    actor = User.objects.filter(pk=user_id).first()
    return predictive_services.train_model(job_id=job_id, actor=actor).pk


@db_task(retries=1, retry_delay=30)
def predict_task(job_id: int) -> dict[str, object]:
    from tandem.qualification import predictive_services

    return predictive_services.predict_all(job_id=job_id)
