from __future__ import annotations

import pytest

from tandem.crm.models import Contact, StageTransition
from tandem.crm.services import create_contact
from tandem.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_creates_a_lead_and_records_how_it_arrived(marketer):
    contact = create_contact(actor=marketer, data={"email": " Jane@Acme.IO ", "country": "gb"})

    assert (contact.email, contact.country, contact.lifecycle_stage) == (
        "jane@acme.io",
        "GB",
        "lead",
    )
    created = StageTransition.objects.get(contact=contact)
    assert (created.from_stage, created.to_stage, created.kind) == ("", "lead", "created")
    assert (created.actor, created.reason) == (marketer, "Contact created")


def test_may_start_at_any_stage(marketer):
    contact = create_contact(
        actor=marketer, data={"email": "jane@acme.io", "lifecycle_stage": "customer"}
    )

    assert contact.lifecycle_stage == "customer"


def test_unknown_stage_is_refused(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_contact(actor=marketer, data={"email": "jane@acme.io", "lifecycle_stage": "hot"})

    assert refused.value.field == "lifecycle_stage"
    assert refused.value.message.startswith("Unknown lifecycle stage 'hot'; expected one of ")
    assert Contact.objects.count() == 0


def test_rep_owns_what_they_create(rep):
    assert create_contact(actor=rep, data={"email": "jane@acme.io"}).owner == rep


def test_marketing_creates_unowned_contacts(marketer):
    assert create_contact(actor=marketer, data={"email": "jane@acme.io"}).owner is None


def test_links_account_campaign_and_owner(marketer, rep, account, campaign):
    contact = create_contact(
        actor=marketer,
        data={
            "email": "jane@acme.io",
            "account_id": account.pk,
            "original_campaign_id": campaign.pk,
            "owner_id": rep.pk,
        },
    )

    assert (contact.account, contact.original_campaign, contact.owner) == (account, campaign, rep)


def test_unknown_campaign_is_refused(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_contact(actor=marketer, data={"email": "j@acme.io", "original_campaign_id": 999999})

    assert refused.value.field == "original_campaign_id"
    assert refused.value.message == "No campaign with id 999999."


def test_email_taken_in_another_case_is_a_conflict(marketer, make_contact):
    existing = make_contact(email="jane@acme.io")

    with pytest.raises(Conflict) as refused:
        create_contact(actor=marketer, data={"email": "JANE@ACME.IO"})

    assert refused.value.field == "email"
    assert refused.value.extra == {"existing_id": existing.pk}
    assert refused.value.message == (
        f"A contact with email jane@acme.io already exists (id {existing.pk})."
    )
    assert Contact.objects.count() == 1


def test_invalid_fields_are_all_named(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_contact(
            actor=marketer, data={"email": "nope", "persona": "wizard", "country": "GBR"}
        )

    assert {e["field"] for e in refused.value.extra["errors"]} == {"email", "persona", "country"}
    assert {
        "field": "country",
        "message": ("Ensure this value has at most 2 characters (it has 3)."),
    } in refused.value.extra["errors"]
    assert Contact.objects.count() == 0
    assert StageTransition.objects.count() == 0


def test_unknown_fields_are_refused(marketer):
    with pytest.raises(InvalidInput) as refused:
        create_contact(actor=marketer, data={"email": "j@acme.io", "fit_score": 99, "vip": True})

    assert refused.value.message == "Unknown contact field(s): fit_score, vip."


def test_role_without_edit_rights_cannot_create(make_user):
    nobody = make_user("sales_rep")
    nobody.role = "intern"

    with pytest.raises(Forbidden) as refused:
        create_contact(actor=nobody, data={"email": "j@acme.io"})

    assert refused.value.message == "Your role (intern) may not edit contact."
    assert Contact.objects.count() == 0


def test_meeting_the_make_version_definition_qualifies_at_once(marketer, make_version):
    make_version('seniority == "vp"')

    contact = create_contact(actor=marketer, data={"email": "j@acme.io", "seniority": "vp"})

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "mql"
    assert list(
        StageTransition.objects.filter(contact=contact).order_by("id").values_list("kind", "rule")
    ) == [("created", ""), ("advance", "mql_definition")]
