from __future__ import annotations

import pytest

from tandem.crm.models import Contact, StageTransition
from tandem.crm.services import create_contact, update_contact
from tandem.qualification.models import VersionStatus
from tandem.qualification.services import qualify_contact

pytestmark = pytest.mark.django_db

CRITERIA = 'seniority in ("director", "vp", "c_level") and not email_domain in free_email_domains'


def test_contact_meeting_the_make_version_moves_to_mql(make_version, make_contact):
    version = make_version(CRITERIA)
    contact = make_contact(email="jane@acme.io", seniority="vp")

    transition = qualify_contact(contact)

    assert transition is not None
    assert (transition.from_stage, transition.to_stage) == ("lead", "mql")
    assert transition.rule == "mql_definition"
    assert transition.definition_version == version
    assert transition.actor is None
    assert transition.reason == "Meets MQL definition v1"
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "mql"


def test_contact_not_meeting_it_stays(make_version, make_contact):
    make_version(CRITERIA)
    contact = make_contact(email="jane@gmail.com", seniority="vp")

    assert qualify_contact(contact) is None
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "lead"


def test_nothing_happens_without_an_make_version(make_version, make_contact):
    make_version(CRITERIA, status=VersionStatus.PENDING)
    contact = make_contact(email="jane@acme.io", seniority="vp")

    assert qualify_contact(contact) is None
    assert StageTransition.objects.count() == 0


def test_active_sql_definition_does_not_make_mqls(make_version, make_contact):
    make_version(CRITERIA, kind="sql")
    contact = make_contact(email="jane@acme.io", seniority="vp")

    assert qualify_contact(contact) is None


@pytest.mark.parametrize("stage", ["mql", "sal", "sql", "opportunity", "customer", "disqualified"])
def test_contacts_past_lead_or_out_of_the_funnel_are_left_alone(make_version, make_contact, stage):
    make_version(CRITERIA)
    contact = make_contact(email="jane@acme.io", seniority="vp", lifecycle_stage=stage)

    assert qualify_contact(contact) is None
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == stage


def test_creating_a_contact_that_meets_it_qualifies_it(make_version, marketer):
    version = make_version(CRITERIA)

    contact = create_contact(
        actor=marketer, data={"email": "jane@acme.io", "seniority": "director"}
    )

    assert contact.lifecycle_stage == "mql"
    history = list(
        StageTransition.objects.filter(contact=contact)
        .order_by("id")
        .values_list("to_stage", "kind", "actor", "definition_version")
    )
    assert history == [("lead", "created", marketer.pk, None), ("mql", "advance", None, version.pk)]


def test_creating_a_contact_that_misses_it_leaves_it_a_lead(make_version, marketer):
    make_version(CRITERIA)

    contact = create_contact(actor=marketer, data={"email": "jane@acme.io", "seniority": "manager"})

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "lead"


def test_updating_a_contact_so_it_meets_it_qualifies_it(make_version, marketer, make_contact):
    make_version(CRITERIA)
    contact = make_contact(email="jane@acme.io", seniority="manager")

    update_contact(contact, actor=marketer, changes={"seniority": "c_level"})

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "mql"
    assert StageTransition.objects.get(contact=contact).rule == "mql_definition"


def test_updating_an_sal_contact_does_not_move_it_back(make_version, marketer, make_contact):
    make_version(CRITERIA)
    contact = make_contact(email="jane@acme.io", lifecycle_stage="sal")

    update_contact(contact, actor=marketer, changes={"seniority": "c_level"})

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "sal"
    assert StageTransition.objects.count() == 0
