"""The contact lifecycle: which stage moves are allowed, and why others are not.

Every path that changes a contact's stage (web UI, API, automation rules) asks
:func:`plan_transition` first, so the rules live in exactly one place.

The rules:

* **Advance** along the funnel (subscriber -> lead -> mql -> sal -> sql ->
  opportunity -> customer) to any *later* stage; skipping stages is fine and a
  reason is optional.
* **Re-engage** a contact in Nurture by advancing it to Lead, MQL, SAL or SQL;
  a reason is optional.
* **Recycle** to Nurture from Lead, MQL, SAL, SQL, Opportunity or Disqualified;
  a reason is required.
* **Disqualify** from any stage except Customer (and Disqualified itself); a
  reason is required.

Anything else is refused with a :class:`TransitionRefused` whose message says
why in plain English.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tandem.core.errors import CoreError


class Stage(StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"

    @property
    def label(self) -> str:
        """The human-readable name used in the UI and in error messages."""
        return _LABELS[self]


_LABELS: dict[Stage, str] = {
    Stage.SUBSCRIBER: "Subscriber",
    Stage.LEAD: "Lead",
    Stage.MQL: "MQL",
    Stage.SAL: "SAL",
    Stage.SQL: "SQL",
    Stage.OPPORTUNITY: "Opportunity",
    Stage.CUSTOMER: "Customer",
    Stage.NURTURE: "Nurture (recycled)",
    Stage.DISQUALIFIED: "Disqualified",
}

FUNNEL: tuple[Stage, ...] = (
    Stage.SUBSCRIBER,
    Stage.LEAD,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    Stage.CUSTOMER,
)

# A re-engaged contact re-enters the funnel where marketing or sales can pick
# it up again; it cannot jump straight to a deal or a sale from Nurture.
_REENTRY: frozenset[Stage] = frozenset({Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL})

# Subscribers have never shown intent, and customers have already bought, so
# neither is "recycled"; everything between (and disqualified contacts that
# deserve another look) can be.
_RECYCLABLE: frozenset[Stage] = frozenset(
    {Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.DISQUALIFIED}
)


class MoveKind(StrEnum):
    ADVANCE = "advance"
    RECYCLE = "recycle"
    DISQUALIFY = "disqualify"


@dataclass(frozen=True, kw_only=True)
class Transition:
    """An accepted stage move, ready to be recorded."""

    from_stage: Stage
    to_stage: Stage
    kind: MoveKind
    # Stripped of surrounding whitespace; empty when no reason was given.
    reason: str


class TransitionRefused(CoreError):
    """A stage move the lifecycle rules do not allow."""

    code = "transition_refused"

    def __init__(self, message: str, *, from_stage: Stage | str, to_stage: Stage | str) -> None:
        super().__init__(message)
        self.message = message
        # Kept as given when the name is unknown, so callers can echo it back.
        self.from_stage = from_stage
        self.to_stage = to_stage


def plan_transition(
    from_stage: Stage | str, to_stage: Stage | str, *, reason: str = ""
) -> Transition:
    """Check a stage move against the lifecycle rules.

    Returns the :class:`Transition` to record, or raises
    :class:`TransitionRefused` explaining why the move is not allowed. Stage
    names given as strings are matched case-insensitively.
    """
    source = _coerce(from_stage, from_stage=from_stage, to_stage=to_stage)
    target = _coerce(to_stage, from_stage=from_stage, to_stage=to_stage)
    kind = _classify(source, target)
    # `or ""` tolerates callers that pass None from an optional form field.
    cleaned = (reason or "").strip()
    if not cleaned and kind is MoveKind.RECYCLE:
        raise TransitionRefused(
            "A reason is required to recycle a contact to Nurture.",
            from_stage=source,
            to_stage=target,
        )
    if not cleaned and kind is MoveKind.DISQUALIFY:
        raise TransitionRefused(
            "A reason is required to disqualify a contact.",
            from_stage=source,
            to_stage=target,
        )
    return Transition(from_stage=source, to_stage=target, kind=kind, reason=cleaned)


def allowed_targets(from_stage: Stage) -> tuple[Stage, ...]:
    """Every stage :func:`plan_transition` accepts from ``from_stage`` (given a reason).

    The order is the declaration order of :class:`Stage`, so menus built from
    it are stable.
    """
    targets: list[Stage] = []
    for target in Stage:
        try:
            _classify(from_stage, target)
        except TransitionRefused:
            continue
        targets.append(target)
    return tuple(targets)


def _coerce(value: Stage | str, *, from_stage: Stage | str, to_stage: Stage | str) -> Stage:
    if isinstance(value, Stage):
        return value
    try:
        return Stage(str(value).strip().lower())
    except ValueError:
        expected = ", ".join(stage.value for stage in Stage)
        raise TransitionRefused(
            f"Unknown stage '{value}'; expected one of {expected}.",
            from_stage=from_stage,
            to_stage=to_stage,
        ) from None


def _classify(source: Stage, target: Stage) -> MoveKind:
    """Decide what kind of move this is, or refuse it. Reasons are checked later.

    Refusals are decided here, before the reason check, so a move that is never
    allowed is reported as such rather than as "a reason is required".
    """

    def refuse(why: str) -> TransitionRefused:
        return TransitionRefused(
            f"Cannot move from {source.label} to {target.label}: {why}",
            from_stage=source,
            to_stage=target,
        )

    if source is target:
        raise TransitionRefused(
            f"Contact is already in stage {source.label}.", from_stage=source, to_stage=target
        )

    if target is Stage.DISQUALIFIED:
        if source is Stage.CUSTOMER:
            raise refuse("a customer cannot be disqualified.")
        return MoveKind.DISQUALIFY

    if target is Stage.NURTURE:
        if source in _RECYCLABLE:
            return MoveKind.RECYCLE
        if source is Stage.CUSTOMER:
            raise refuse("a customer cannot be recycled.")
        raise refuse("only contacts that have reached Lead or beyond can be recycled.")

    # From here on the target is a funnel stage.
    if source is Stage.NURTURE:
        if target in _REENTRY:
            return MoveKind.ADVANCE
        raise refuse("a recycled contact re-enters the funnel at Lead, MQL, SAL or SQL.")

    if source is Stage.DISQUALIFIED:
        raise refuse("a disqualified contact must first be recycled to Nurture, with a reason.")

    if FUNNEL.index(target) > FUNNEL.index(source):
        return MoveKind.ADVANCE

    if source is Stage.CUSTOMER:
        raise refuse("Customer is the final stage of the lifecycle.")
    raise TransitionRefused(
        f"Cannot move from {source.label} back to {target.label}: backward moves are only "
        "allowed by recycling to Nurture or disqualifying, each with a reason.",
        from_stage=source,
        to_stage=target,
    )
