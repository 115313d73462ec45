import pytest

from tandem.core.errors import CoreError
from tandem.core.lifecycle import (
    FUNNEL,
    MoveKind,
    Stage,
    Transition,
    TransitionRefused,
    allowed_targets,
    plan_transition,
)

S = Stage

ALLOWED = [
    # Advancing along the funnel, including skips; no reason needed.
    (S.SUBSCRIBER, S.LEAD, MoveKind.ADVANCE),
    (S.SUBSCRIBER, S.CUSTOMER, MoveKind.ADVANCE),
    (S.LEAD, S.MQL, MoveKind.ADVANCE),
    (S.MQL, S.SAL, MoveKind.ADVANCE),
    (S.SAL, S.SQL, MoveKind.ADVANCE),
    (S.SQL, S.OPPORTUNITY, MoveKind.ADVANCE),
    (S.OPPORTUNITY, S.CUSTOMER, MoveKind.ADVANCE),
    (S.LEAD, S.OPPORTUNITY, MoveKind.ADVANCE),
    # Re-engaging from Nurture.
    (S.NURTURE, S.LEAD, MoveKind.ADVANCE),
    (S.NURTURE, S.MQL, MoveKind.ADVANCE),
    (S.NURTURE, S.SAL, MoveKind.ADVANCE),
    (S.NURTURE, S.SQL, MoveKind.ADVANCE),
    # Recycling.
    (S.LEAD, S.NURTURE, MoveKind.RECYCLE),
    (S.MQL, S.NURTURE, MoveKind.RECYCLE),
    (S.SAL, S.NURTURE, MoveKind.RECYCLE),
    (S.SQL, S.NURTURE, MoveKind.RECYCLE),
    (S.OPPORTUNITY, S.NURTURE, MoveKind.RECYCLE),
    (S.DISQUALIFIED, S.NURTURE, MoveKind.RECYCLE),
    # Disqualifying.
    (S.SUBSCRIBER, S.DISQUALIFIED, MoveKind.DISQUALIFY),
    (S.LEAD, S.DISQUALIFIED, MoveKind.DISQUALIFY),
    (S.SQL, S.DISQUALIFIED, MoveKind.DISQUALIFY),
    (S.OPPORTUNITY, S.DISQUALIFIED, MoveKind.DISQUALIFY),
    (S.NURTURE, S.DISQUALIFIED, MoveKind.DISQUALIFY),
]

BACKWARD = (
    "backward moves are only allowed by recycling to Nurture or disqualifying, each with a reason."
)

REFUSED = [
    (S.MQL, S.MQL, "Contact is already in stage MQL."),
    (S.NURTURE, S.NURTURE, "Contact is already in stage Nurture (recycled)."),
    (S.DISQUALIFIED, S.DISQUALIFIED, "Contact is already in stage Disqualified."),
    (
        S.CUSTOMER,
        S.LEAD,
        "Cannot move from Customer to Lead: Customer is the final stage of the lifecycle.",
    ),
    (S.SQL, S.MQL, f"Cannot move from SQL back to MQL: {BACKWARD}"),
    (S.LEAD, S.SUBSCRIBER, f"Cannot move from Lead back to Subscriber: {BACKWARD}"),
    (
        S.CUSTOMER,
        S.NURTURE,
        "Cannot move from Customer to Nurture (recycled): a customer cannot be recycled.",
    ),
    (
        S.CUSTOMER,
        S.DISQUALIFIED,
        "Cannot move from Customer to Disqualified: a customer cannot be disqualified.",
    ),
    (
        S.SUBSCRIBER,
        S.NURTURE,
        "Cannot move from Subscriber to Nurture (recycled): only contacts that have reached "
        "Lead or beyond can be recycled.",
    ),
    (
        S.NURTURE,
        S.SUBSCRIBER,
        "Cannot move from Nurture (recycled) to Subscriber: a recycled contact re-enters the "
        "funnel at Lead, MQL, SAL or SQL.",
    ),
    (
        S.NURTURE,
        S.OPPORTUNITY,
        "Cannot move from Nurture (recycled) to Opportunity: a recycled contact re-enters the "
        "funnel at Lead, MQL, SAL or SQL.",
    ),
    (
        S.NURTURE,
        S.CUSTOMER,
        "Cannot move from Nurture (recycled) to Customer: a recycled contact re-enters the "
        "funnel at Lead, MQL, SAL or SQL.",
    ),
    (
        S.DISQUALIFIED,
        S.LEAD,
        "Cannot move from Disqualified to Lead: a disqualified contact must first be recycled "
        "to Nurture, with a reason.",
    ),
    (
        S.DISQUALIFIED,
        S.CUSTOMER,
        "Cannot move from Disqualified to Customer: a disqualified contact must first be "
        "recycled to Nurture, with a reason.",
    ),
]


@pytest.mark.parametrize(("source", "target", "kind"), ALLOWED)
def test_allowed_moves_are_planned_with_their_kind(
    source: Stage, target: Stage, kind: MoveKind
) -> None:
    transition = plan_transition(source, target, reason="  Budget confirmed  ")

    assert transition == Transition(
        from_stage=source, to_stage=target, kind=kind, reason="Budget confirmed"
    )


@pytest.mark.parametrize(("source", "target", "message"), REFUSED)
def test_refused_moves_explain_why(source: Stage, target: Stage, message: str) -> None:
    with pytest.raises(TransitionRefused) as caught:
        plan_transition(source, target, reason="a good reason")

    assert str(caught.value) == message
    assert caught.value.from_stage is source
    assert caught.value.to_stage is target
    assert caught.value.code == "transition_refused"


def test_refused_moves_are_core_errors() -> None:
    with pytest.raises(CoreError):
        plan_transition(S.CUSTOMER, S.LEAD)


def test_advancing_needs_no_reason() -> None:
    assert plan_transition(S.LEAD, S.SQL).reason == ""
    assert plan_transition(S.NURTURE, S.MQL).kind is MoveKind.ADVANCE


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_recycling_requires_a_non_blank_reason(reason: str) -> None:
    with pytest.raises(TransitionRefused) as caught:
        plan_transition(S.SQL, S.NURTURE, reason=reason)

    assert str(caught.value) == "A reason is required to recycle a contact to Nurture."


@pytest.mark.parametrize("reason", ["", "   "])
def test_disqualifying_requires_a_non_blank_reason(reason: str) -> None:
    with pytest.raises(TransitionRefused) as caught:
        plan_transition(S.LEAD, S.DISQUALIFIED, reason=reason)

    assert str(caught.value) == "A reason is required to disqualify a contact."


def test_a_forbidden_move_reports_the_rule_rather_than_the_missing_reason() -> None:
    with pytest.raises(TransitionRefused) as caught:
        plan_transition(S.CUSTOMER, S.NURTURE)

    assert "a customer cannot be recycled" in str(caught.value)


def test_stage_names_are_accepted_as_strings_in_any_case() -> None:
    transition = plan_transition("MQL", " sql ")

    assert transition.from_stage is S.MQL
    assert transition.to_stage is S.SQL


def test_unknown_stage_name_is_refused_with_the_expected_names() -> None:
    with pytest.raises(TransitionRefused) as caught:
        plan_transition("lead", "foo")

    assert str(caught.value) == (
        "Unknown stage 'foo'; expected one of subscriber, lead, mql, sal, sql, opportunity, "
        "customer, nurture, disqualified."
    )
    assert caught.value.from_stage == "lead"
    assert caught.value.to_stage == "foo"


def test_funnel_lists_the_linear_stages_in_order() -> None:
    assert FUNNEL == (S.SUBSCRIBER, S.LEAD, S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER)


def test_every_stage_has_a_label() -> None:
    assert [stage.label for stage in Stage] == [
        "Subscriber",
        "Lead",
        "MQL",
        "SAL",
        "SQL",
        "Opportunity",
        "Customer",
        "Nurture (recycled)",
        "Disqualified",
    ]


@pytest.mark.parametrize(
    ("source", "targets"),
    [
        (S.SUBSCRIBER, (S.LEAD, S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER, S.DISQUALIFIED)),
        (S.LEAD, (S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER, S.NURTURE, S.DISQUALIFIED)),
        (S.OPPORTUNITY, (S.CUSTOMER, S.NURTURE, S.DISQUALIFIED)),
        (S.CUSTOMER, ()),
        (S.NURTURE, (S.LEAD, S.MQL, S.SAL, S.SQL, S.DISQUALIFIED)),
        (S.DISQUALIFIED, (S.NURTURE,)),
    ],
)
def test_allowed_targets_lists_reachable_stages_in_stable_order(
    source: Stage, targets: tuple[Stage, ...]
) -> None:
    assert allowed_targets(source) == targets


@pytest.mark.parametrize("source", list(Stage))
def test_allowed_targets_agrees_with_plan_transition(source: Stage) -> None:
    accepted = []
    for target in Stage:
        try:
            plan_transition(source, target, reason="why")
        except TransitionRefused:
            continue
        accepted.append(target)

    assert allowed_targets(source) == tuple(accepted)
