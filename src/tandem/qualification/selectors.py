"""Reads for qualification: active definitions and the values a definition sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from tandem.crm.models import Contact
from tandem.errors import NotFound
from tandem.qualification.models import DefinitionVersion, VersionStatus

# Contact/account columns read for evaluation, and the condition name of each.
_COLUMNS: dict[str, str] = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "job_title": "job_title",
    "seniority": "seniority",
    "persona": "persona",
    "country": "country",
    "source_channel": "source_channel",
    "lifecycle_stage": "lifecycle_stage",
    "fit_score": "fit_score",
    "engagement_score": "engagement_score",
    "grade": "grade",
    "predicted_probability": "predicted_probability",
    "account_id": "account_id",
    "account__industry": "industry",
    "account__employee_count": "employee_count",
    "account__annual_revenue": "annual_revenue",
    "account__country": "account_country",
}


def _as_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {name: row[column] for column, name in _COLUMNS.items()}
    values["email_domain"] = (row["email"] or "").rpartition("@")[2].lower()
    values["has_account"] = row["account_id"] is not None
    del values["account_id"]
    # Blank text means "not given": make it None so comparisons on it are unmet.
    return {k: (None if v == "" else v) for k, v in values.items()}


def condition_values(contact: Contact) -> dict[str, Any]:
    row = Contact.objects.filter(pk=contact.pk).values(*_COLUMNS).get()
    return _as_values(row)


def iter_condition_values(contacts: QuerySet[Contact]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(id, values) for each contact, streamed in id order without building model objects."""
    for row in contacts.order_by("pk").values("pk", *_COLUMNS).iterator(chunk_size=2000):
        yield row["pk"], _as_values(row)


def active_version(kind: str) -> DefinitionVersion | None:
    return DefinitionVersion.objects.filter(kind=kind, status=VersionStatus.ACTIVE).first()


def version_by_id(version_id: int) -> DefinitionVersion:
    version = (
        DefinitionVersion.objects.select_related("proposed_by")
        .prefetch_related("signoffs__user")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise NotFound(f"No definition version with id {version_id}.")
    return version


def versions(kind: str) -> QuerySet[DefinitionVersion]:
    return (
        DefinitionVersion.objects.filter(kind=kind)
        .select_related("proposed_by")
        .prefetch_related("signoffs__user")
        .order_by("-number")
    )
