"""Background work for qualification. Tasks take ids and call a service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from tandem.qualification import services


@db_task(retries=2, retry_delay=10)
def apply_mql_definition_task(version_id: int) -> int:
    return services.apply_mql_definition(version_id)
