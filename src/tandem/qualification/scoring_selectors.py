"""Reads for the scoring pages: how scores are spread and how well they predict."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from tandem.crm.models import Contact, StageTransition

# A contact "converted" once it reached SQL or beyond, even if later recycled.
CONVERTED_STAGES = ("sql", "opportunity", "customer")


def grade_counts() -> list[tuple[str, int]]:
    """Contacts per grade, A1 first, unscored last."""
    counts = dict(Contact.objects.values_list("grade").annotate(n=Count("id")).order_by())
    grades = [f"{letter}{digit}" for letter in "ABCD" for digit in "1234"]
    rows = [(grade, counts.get(grade, 0)) for grade in grades]
    unscored = counts.get("", 0)
    return rows + ([("Unscored", unscored)] if unscored else [])


@dataclass(frozen=True, kw_only=True)
class Decile:
    label: str
    contacts: int
    converted: float  # share that reached SQL or beyond
    mean_score: float


def converted_ids() -> set[int]:
    reached = StageTransition.objects.filter(to_stage__in=CONVERTED_STAGES).values_list(
        "contact_id", flat=True
    )
    current = Contact.objects.filter(lifecycle_stage__in=CONVERTED_STAGES).values_list(
        "pk", flat=True
    )
    return set(reached) | set(current)


def conversion_by_decile(field: str) -> list[Decile]:
    """Contacts with a value in ``field``, split into ten equal groups by that value."""
    rows = list(
        Contact.objects.exclude(**{f"{field}__isnull": True})
        .order_by(field, "pk")
        .values_list("pk", field)
    )
    if len(rows) < 10:
        return []
    won = converted_ids()
    deciles = []
    for index in range(10):
        chunk = rows[index * len(rows) // 10 : (index + 1) * len(rows) // 10]
        deciles.append(
            Decile(
                label=f"D{index + 1}",
                contacts=len(chunk),
                converted=sum(pk in won for pk, _ in chunk) / len(chunk),
                mean_score=sum(float(v) for _, v in chunk) / len(chunk),
            )
        )
    return deciles
