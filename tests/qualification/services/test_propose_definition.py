from __future__ import annotations

import pytest

from tandem.core.conditions import ConditionSyntaxError, UnknownNameError
from tandem.errors import Forbidden, InvalidInput
from tandem.qualification.models import DefinitionVersion, VersionStatus
from tandem.qualification.services import propose_definition

pytestmark = pytest.mark.django_db


def test_proposal_is_pending_and_numbered_per_kind(marketer, manager):
    first = propose_definition(kind="mql", criteria="fit_score >= 60", actor=marketer)
    second = propose_definition(kind="mql", criteria="fit_score >= 70", actor=manager)
    other_kind = propose_definition(kind="sql", criteria="engagement_score > 50", actor=marketer)

    assert (first.number, second.number, other_kind.number) == (1, 2, 1)
    assert first.status == VersionStatus.PENDING
    assert second.proposed_by == manager
    assert first.proposed_at is not None
    assert first.activated_at is None


def test_criteria_and_note_are_trimmed(marketer):
    version = propose_definition(
        kind="mql", criteria="\n  fit_score >= 60  \n", note="  Raise the bar ", actor=marketer
    )

    assert version.criteria == "fit_score >= 60"
    assert version.note == "Raise the bar"


def test_syntax_error_gives_the_position_and_writes_nothing(marketer):
    with pytest.raises(ConditionSyntaxError) as refused:
        propose_definition(
            kind="mql", criteria='fit_score >= 60 and (grade == "A1"', actor=marketer
        )

    assert refused.value.position == 20
    assert str(refused.value) == "Unclosed '(' at position 20"
    assert DefinitionVersion.objects.count() == 0


def test_unknown_field_is_named(marketer):
    with pytest.raises(UnknownNameError) as refused:
        propose_definition(kind="mql", criteria="revenue > 5", actor=marketer)

    assert refused.value.name == "revenue"
    assert refused.value.position == 0
    assert str(refused.value).startswith("Unknown field 'revenue' at position 0; known fields:")
    assert DefinitionVersion.objects.count() == 0


def test_unknown_list_is_named(marketer):
    with pytest.raises(UnknownNameError) as refused:
        propose_definition(kind="mql", criteria="email_domain in blocked_domains", actor=marketer)

    assert refused.value.name == "blocked_domains"
    assert "free_email_domains" in str(refused.value)


def test_unknown_kind_is_refused(marketer):
    with pytest.raises(InvalidInput) as refused:
        propose_definition(kind="pql", criteria="fit_score > 1", actor=marketer)

    assert refused.value.field == "kind"
    assert refused.value.message == "Unknown definition kind 'pql'; use mql or sql."


def test_rep_may_not_propose(rep):
    with pytest.raises(Forbidden) as refused:
        propose_definition(kind="mql", criteria="fit_score > 1", actor=rep)

    assert refused.value.message == "Your role (Sales rep) may not propose definition."
    assert DefinitionVersion.objects.count() == 0
