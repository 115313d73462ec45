from __future__ import annotations

import pytest

from tandem.core.signoff import SignoffRefused
from tandem.crm.models import Contact, StageTransition
from tandem.errors import Conflict, Forbidden, InvalidInput
from tandem.qualification.models import DefinitionVersion, Signoff, VersionStatus
from tandem.qualification.services import approve_definition, propose_definition


@pytest.fixture
def version(marketer):
    return propose_definition(kind="mql", criteria="fit_score >= 60", actor=marketer)


def _status(version: DefinitionVersion) -> str:
    return DefinitionVersion.objects.get(pk=version.pk).status


@pytest.mark.django_db
def test_one_side_leaves_the_version_pending(version, marketer):
    approved = approve_definition(version, actor=marketer)

    assert approved.status == VersionStatus.PENDING
    assert list(Signoff.objects.values_list("side", "user")) == [("marketing", marketer.pk)]


@pytest.mark.django_db
def test_both_sides_activate_the_version(version, marketer, manager):
    approve_definition(version, actor=marketer)
    approved = approve_definition(version, actor=manager)

    assert approved.status == VersionStatus.ACTIVE
    assert approved.activated_at is not None
    assert _status(version) == VersionStatus.ACTIVE
    assert set(Signoff.objects.values_list("side", "user")) == {
        ("marketing", marketer.pk),
        ("sales", manager.pk),
    }


@pytest.mark.django_db
def test_sales_may_sign_first(version, marketer, manager):
    approve_definition(version, actor=manager)

    assert approve_definition(version, actor=marketer).status == VersionStatus.ACTIVE


@pytest.mark.django_db
def test_activation_supersedes_the_previous_active_version(marketer, manager):
    old = propose_definition(kind="mql", criteria="fit_score >= 50", actor=marketer)
    approve_definition(old, actor=marketer)
    approve_definition(old, actor=manager)
    new = propose_definition(kind="mql", criteria="fit_score >= 70", actor=marketer)

    approve_definition(new, actor=marketer)
    approve_definition(new, actor=manager)

    assert _status(old) == VersionStatus.SUPERSEDED
    assert _status(new) == VersionStatus.ACTIVE
    assert DefinitionVersion.objects.filter(kind="mql", status="active").count() == 1


@pytest.mark.django_db
def test_activation_leaves_the_other_kind_alone(marketer, manager):
    sql = propose_definition(kind="sql", criteria="engagement_score > 50", actor=marketer)
    approve_definition(sql, actor=marketer)
    approve_definition(sql, actor=manager)
    mql = propose_definition(kind="mql", criteria="fit_score > 50", actor=marketer)

    approve_definition(mql, actor=marketer)
    approve_definition(mql, actor=manager)

    assert _status(sql) == VersionStatus.ACTIVE


@pytest.mark.django_db
def test_activation_withdraws_older_pending_proposals(marketer, manager):
    older = propose_definition(kind="mql", criteria="fit_score >= 50", actor=marketer)
    chosen = propose_definition(kind="mql", criteria="fit_score >= 60", actor=marketer)
    newer = propose_definition(kind="mql", criteria="fit_score >= 70", actor=marketer)
    other_kind = propose_definition(kind="sql", criteria="fit_score >= 80", actor=marketer)

    approve_definition(chosen, actor=marketer)
    approve_definition(chosen, actor=manager)

    assert _status(older) == VersionStatus.WITHDRAWN
    assert _status(newer) == VersionStatus.PENDING
    assert _status(other_kind) == VersionStatus.PENDING
    with pytest.raises(Conflict):
        approve_definition(older, actor=marketer)


@pytest.mark.django_db
def test_same_side_twice_is_refused(version, marketer, make_user):
    approve_definition(version, actor=marketer)

    with pytest.raises(SignoffRefused) as refused:
        approve_definition(version, actor=make_user("marketing"))

    assert str(refused.value) == "Marketing has already approved this version."
    assert Signoff.objects.count() == 1


@pytest.mark.django_db
def test_one_person_cannot_sign_for_both_sides(version, admin_user):
    approve_definition(version, actor=admin_user, side="sales")

    with pytest.raises(SignoffRefused) as refused:
        approve_definition(version, actor=admin_user, side="marketing")

    assert str(refused.value) == (
        "You already approved this version for sales; a different person must approve for "
        "marketing."
    )
    assert _status(version) == VersionStatus.PENDING
    assert Signoff.objects.count() == 1


@pytest.mark.django_db
def test_two_admins_may_sign_for_the_two_sides(version, admin_user, make_user):
    approve_definition(version, actor=admin_user, side="marketing")

    approved = approve_definition(version, actor=make_user("admin"), side="sales")

    assert approved.status == VersionStatus.ACTIVE


@pytest.mark.django_db
def test_rep_may_not_approve(version, rep):
    with pytest.raises(Forbidden) as refused:
        approve_definition(version, actor=rep)

    assert refused.value.message == "Your role (Sales rep) may not approve definitions."
    assert Signoff.objects.count() == 0


@pytest.mark.django_db
def test_manager_may_not_approve_for_marketing(version, manager):
    with pytest.raises(Forbidden) as refused:
        approve_definition(version, actor=manager, side="marketing")

    assert refused.value.message == "Your role (Sales manager) may not approve for marketing."


@pytest.mark.django_db
def test_admin_must_say_which_side(version, admin_user):
    with pytest.raises(InvalidInput) as refused:
        approve_definition(version, actor=admin_user)

    assert refused.value.field == "side"
    assert refused.value.message == "Say which side you approve for (marketing or sales)."


@pytest.mark.django_db
def test_unknown_side_is_refused(version, admin_user):
    with pytest.raises(InvalidInput) as refused:
        approve_definition(version, actor=admin_user, side="finance")

    assert refused.value.message == "Unknown side 'finance'; use marketing or sales."


@pytest.mark.django_db
def test_withdrawn_version_cannot_be_approved(version, marketer):
    DefinitionVersion.objects.filter(pk=version.pk).update(status=VersionStatus.WITHDRAWN)

    with pytest.raises(Conflict) as refused:
        approve_definition(version, actor=marketer)

    assert refused.value.message == (
        "MQL v1 is withdrawn; only versions awaiting approval can be approved."
    )


@pytest.mark.django_db
def test_activating_an_mql_version_qualifies_contacts_once_committed(
    version, marketer, manager, make_contact, django_capture_on_commit_callbacks
):
    meets = make_contact(fit_score=75)
    nurtured = make_contact(fit_score=90, lifecycle_stage="nurture")
    too_far = make_contact(fit_score=90, lifecycle_stage="sql")
    misses = make_contact(fit_score=20)
    approve_definition(version, actor=marketer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approve_definition(version, actor=manager)

    assert len(callbacks) == 1
    stages = dict(Contact.objects.values_list("pk", "lifecycle_stage"))
    assert stages == {meets.pk: "mql", nurtured.pk: "mql", too_far.pk: "sql", misses.pk: "lead"}
    assert set(StageTransition.objects.values_list("contact", "definition_version")) == {
        (meets.pk, version.pk),
        (nurtured.pk, version.pk),
    }


@pytest.mark.django_db
def test_first_signoff_schedules_nothing(version, marketer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        approve_definition(version, actor=marketer)

    assert callbacks == []


@pytest.mark.django_db
def test_activating_an_sql_version_moves_nobody(
    marketer, manager, make_contact, django_capture_on_commit_callbacks
):
    contact = make_contact(fit_score=90, lifecycle_stage="sal")
    sql = propose_definition(kind="sql", criteria="fit_score >= 60", actor=marketer)
    approve_definition(sql, actor=marketer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approve_definition(sql, actor=manager)

    assert callbacks == []
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "sal"


@pytest.mark.django_db(transaction=True)
def test_really_committed_activation_runs_the_task(marketer, manager, make_contact):
    contact = make_contact(fit_score=75)
    version = propose_definition(kind="mql", criteria="fit_score >= 60", actor=marketer)
    approve_definition(version, actor=marketer)

    approve_definition(version, actor=manager)

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "mql"
