from __future__ import annotations

import pytest

from tandem.crm.models import Contact, StageTransition
from tandem.crm.services import update_contact
from tandem.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_changes_only_what_is_given(make_contact, marketer):
    contact = make_contact(first_name="Jane", job_title="CTO", phone="123")

    update_contact(contact, actor=marketer, changes={"job_title": " CEO ", "phone": None})

    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.first_name, stored.job_title, stored.phone) == ("Jane", "CEO", "")


def test_stage_cannot_be_changed_here(make_contact, marketer):
    contact = make_contact()

    with pytest.raises(InvalidInput) as refused:
        update_contact(contact, actor=marketer, changes={"lifecycle_stage": "customer"})

    assert refused.value.field == "lifecycle_stage"
    assert refused.value.message == (
        "Change the lifecycle stage through a transition, so it is checked and recorded."
    )
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "lead"


def test_taking_another_contacts_email_is_a_conflict(make_contact, marketer):
    taken = make_contact(email="jane@acme.io")
    contact = make_contact(email="bob@acme.io")

    with pytest.raises(Conflict) as refused:
        update_contact(contact, actor=marketer, changes={"email": "Jane@Acme.io"})

    assert refused.value.extra == {"existing_id": taken.pk}
    assert Contact.objects.get(pk=contact.pk).email == "bob@acme.io"


def test_bad_value_changes_nothing(make_contact, marketer):
    contact = make_contact(first_name="Jane")

    with pytest.raises(InvalidInput) as refused:
        update_contact(contact, actor=marketer, changes={"first_name": "J", "seniority": "king"})

    assert refused.value.field == "seniority"
    assert Contact.objects.get(pk=contact.pk).first_name == "Jane"


def test_rep_edits_only_their_own(make_contact, rep, make_user):
    mine = make_contact(owner=rep)
    theirs = make_contact(owner=make_user("sales_rep"))

    update_contact(mine, actor=rep, changes={"job_title": "CFO"})
    with pytest.raises(Forbidden) as refused:
        update_contact(theirs, actor=rep, changes={"job_title": "CFO"})

    assert refused.value.message == (
        "Your role (Sales rep) may not edit contact on records you do not own."
    )
    assert Contact.objects.get(pk=theirs.pk).job_title == ""


def test_rep_may_hand_their_contact_to_a_colleague(make_contact, rep, make_user):
    colleague = make_user("sales_rep")
    contact = make_contact(owner=rep)

    update_contact(contact, actor=rep, changes={"owner_id": colleague.pk})

    assert Contact.objects.get(pk=contact.pk).owner == colleague


def test_deactivated_owner_is_refused(make_contact, marketer, make_user):
    gone = make_user("sales_rep")
    gone.is_active = False
    gone.save()
    contact = make_contact()

    with pytest.raises(InvalidInput) as refused:
        update_contact(contact, actor=marketer, changes={"owner_id": gone.pk})

    assert refused.value.field == "owner_id"


def test_change_that_meets_the_make_version_qualifies(make_contact, marketer, make_version):
    version = make_version('job_title contains "Head"')
    contact = make_contact(job_title="Analyst")

    update_contact(contact, actor=marketer, changes={"job_title": "Head of Data"})

    transition = StageTransition.objects.get(contact=contact)
    assert (transition.to_stage, transition.definition_version) == ("mql", version)
