from __future__ import annotations

import pytest

from tandem.crm.models import Account, Contact, StageTransition
from tandem.qualification.models import VersionStatus
from tandem.qualification.services import apply_mql_definition

pytestmark = pytest.mark.django_db


def _stages() -> dict[str, str]:
    return dict(Contact.objects.values_list("email", "lifecycle_stage"))


def test_moves_only_eligible_contacts_that_meet_it(make_version, make_contact):
    version = make_version("fit_score >= 60")
    for stage in ("subscriber", "lead", "nurture", "mql", "sal", "sql", "opportunity",
                  "customer", "disqualified"):  # fmt: skip
        make_contact(email=f"{stage}@acme.io", lifecycle_stage=stage, fit_score=80)
    make_contact(email="low@acme.io", lifecycle_stage="lead", fit_score=10)

    moved = apply_mql_definition(version.pk)

    assert moved == 3
    assert _stages() == {
        "subscriber@acme.io": "mql",
        "lead@acme.io": "mql",
        "nurture@acme.io": "mql",
        "mql@acme.io": "mql",
        "sal@acme.io": "sal",
        "sql@acme.io": "sql",
        "opportunity@acme.io": "opportunity",
        "customer@acme.io": "customer",
        "disqualified@acme.io": "disqualified",
        "low@acme.io": "lead",
    }


def test_records_the_rule_and_version_on_each_move(make_version, make_contact):
    version = make_version("fit_score >= 60")
    contact = make_contact(lifecycle_stage="subscriber", fit_score=61)

    apply_mql_definition(version.pk)

    transition = StageTransition.objects.get(contact=contact)
    assert (transition.from_stage, transition.to_stage, transition.kind) == (
        "subscriber",
        "mql",
        "advance",
    )
    assert transition.rule == "mql_definition"
    assert transition.definition_version == version
    assert transition.actor is None
    assert transition.reason == "Meets MQL definition v1"
    contact.refresh_from_db()
    assert contact.updated_at == transition.occurred_at


def test_reads_account_fields(make_version, make_contact):
    version = make_version('industry == "Software" and employee_count >= 100')
    big = Account.objects.create(name="Big", industry="Software", employee_count=500)
    small = Account.objects.create(name="Small", industry="Software", employee_count=20)
    make_contact(email="big@acme.io", account=big)
    make_contact(email="small@acme.io", account=small)
    make_contact(email="none@acme.io")

    assert apply_mql_definition(version.pk) == 1
    assert _stages() == {"big@acme.io": "mql", "small@acme.io": "lead", "none@acme.io": "lead"}


def test_rerunning_moves_nobody_again(make_version, make_contact):
    version = make_version("fit_score >= 60")
    for _ in range(3):
        make_contact(fit_score=70)

    first = apply_mql_definition(version.pk)
    second = apply_mql_definition(version.pk)

    assert (first, second) == (3, 0)
    assert StageTransition.objects.count() == 3


def test_works_through_several_batches(make_version, make_contact):
    version = make_version("fit_score >= 60")
    meeting = [make_contact(fit_score=60 + n) for n in range(7)]
    make_contact(fit_score=59)

    moved = apply_mql_definition(version.pk, batch_size=3)

    assert moved == 7
    assert set(Contact.objects.filter(lifecycle_stage="mql").values_list("pk", flat=True)) == {
        c.pk for c in meeting
    }
    assert StageTransition.objects.filter(definition_version=version).count() == 7


def test_contact_moved_elsewhere_meanwhile_is_left_alone(make_version, make_contact):
    """A batch re-reads stages under lock, so a contact that moved since is skipped."""
    version = make_version("fit_score >= 60")
    contact = make_contact(fit_score=70)
    Contact.objects.filter(pk=contact.pk).update(lifecycle_stage="sal")

    assert apply_mql_definition(version.pk) == 0
    assert StageTransition.objects.count() == 0


@pytest.mark.parametrize("status", [VersionStatus.PENDING, VersionStatus.SUPERSEDED])
def test_version_that_is_not_active_moves_nobody(make_version, make_contact, status):
    version = make_version("fit_score >= 60", status=status)
    make_contact(fit_score=90)

    assert apply_mql_definition(version.pk) == 0
    assert set(_stages().values()) == {"lead"}


def test_sql_version_moves_nobody(make_version, make_contact):
    version = make_version("fit_score >= 60", kind="sql")
    make_contact(fit_score=90)

    assert apply_mql_definition(version.pk) == 0
    assert set(_stages().values()) == {"lead"}
