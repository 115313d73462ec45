"""Start, advance and finish background jobs. Progress writes are their own small updates,
so a reader sees them while the work's own transactions are still open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tandem.jobs.models import Job, JobStatus
from tandem.people.models import User


def create_job(*, kind: str, title: str, actor: User | None) -> Job:
    return Job.objects.create(kind=kind, title=title, created_by=actor)


def start(job_id: int) -> Job:
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now())
    return Job.objects.get(pk=job_id)


def progress_reporter(job_id: int) -> Callable[[str, int, int], None]:
    """A callback for long work: ``report(step, done, total)``."""

    def report(step: str, done: int, total: int) -> None:
        Job.objects.filter(pk=job_id).update(step=step[:200], done=done, total=total)

    return report


def finish(job_id: int, *, result: dict[str, Any]) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.DONE, result=result, finished_at=timezone.now()
    )


def fail(job_id: int, *, error: str) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now()
    )
