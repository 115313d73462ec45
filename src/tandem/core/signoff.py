"""Two-sided approval of a qualification definition.

A definition version becomes active only when a marketing owner and a sales owner
have both signed it, and one person cannot sign for both sides: the point of the
agreement is that two teams said yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tandem.core.errors import CoreError


class Side(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SignoffRefused(CoreError):
    code = "signoff_refused"


@dataclass(frozen=True, kw_only=True)
class Signoff:
    side: Side
    user_id: int
    at: datetime


def add_signoff(
    existing: tuple[Signoff, ...], *, side: Side, user_id: int, at: datetime
) -> tuple[Signoff, ...]:
    """Return the sign-offs with a new one added; raises SignoffRefused when not allowed."""
    if at.tzinfo is None:
        raise ValueError("Sign-off time must be timezone-aware.")
    for signoff in existing:
        if signoff.side is side:
            raise SignoffRefused(f"{side.label} has already approved this version.")
        if signoff.user_id == user_id:
            raise SignoffRefused(
                f"You already approved this version for {signoff.side.label.lower()}; "
                f"a different person must approve for {side.label.lower()}."
            )
    return (*existing, Signoff(side=side, user_id=user_id, at=at))


def is_approved(signoffs: tuple[Signoff, ...]) -> bool:
    """Both sides have signed, by two different people."""
    sides = {s.side for s in signoffs}
    people = {s.user_id for s in signoffs}
    return sides == set(Side) and len(people) == len(Side)


def missing_sides(signoffs: tuple[Signoff, ...]) -> tuple[Side, ...]:
    signed = {s.side for s in signoffs}
    return tuple(side for side in Side if side not in signed)
