"""Start, advance and finish background jobs. Progress writes are their own small updates,
so a reader sees them while the work's own transactions are still open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tandem.jobs.models import Job, JobStatus
from tandem.people.models import User

Report = Callable[[str, int, int], None]


def silent(step: str, done: int, total: int) -> None:
    """A progress callback for work nobody watches."""
    del step, done, total


def run(
    job_id: int | None, work: Callable[[Report], dict[str, Any]], *, progress: Report | None = None
) -> dict[str, Any]:
    """Run ``work(report)`` as job ``job_id``: started, progress recorded, then done with
    the result ``work`` returns, or failed with the reason (and the error re-raised).

    Without a job, ``work`` simply runs, reporting to ``progress`` if given.
    """
    if job_id is None:
        return work(progress or silent)
    start(job_id)
    try:
        result = work(progress or progress_reporter(job_id))
    except Exception as exc:
        fail(job_id, error=str(exc) or type(exc).__name__)
        raise
    finish(job_id, result=result)
    return result


def create_job(*, kind: str, title: str, actor: User | None) -> Job:
    return Job.objects.create(kind=kind, title=title, created_by=actor)


def start(job_id: int) -> Job:
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now())
    return Job.objects.get(pk=job_id)


def progress_reporter(job_id: int) -> Report:
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
