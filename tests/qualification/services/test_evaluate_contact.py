from __future__ import annotations

import pytest

from tandem.crm.models import Account
from tandem.qualification.services import evaluate_contact

pytestmark = pytest.mark.django_db


def test_every_condition_is_reported_with_its_value(make_version, make_contact):
    version = make_version(
        "fit_score >= 60 and has_account == true and email_domain in free_email_domains"
    )
    contact = make_contact(email="jane@gmail.com", fit_score=75)

    evaluation = evaluate_contact(version, contact)

    assert evaluation.verdict is False
    assert [(c.text, c.met, c.actual) for c in evaluation.checks] == [
        ("fit_score >= 60", True, 75),
        ("has_account == true", False, False),
        ("email_domain in free_email_domains", True, "gmail.com"),
    ]


def test_reads_the_stored_contact_not_the_object_in_hand(make_version, make_contact):
    version = make_version('industry == "Software"')
    contact = make_contact(account=Account.objects.create(name="A", industry="Software"))
    contact.account = None  # not saved

    assert evaluate_contact(version, contact).verdict is True


def test_blank_text_counts_as_not_given(make_version, make_contact):
    version = make_version("job_title is empty")
    contact = make_contact(job_title="")

    assert evaluate_contact(version, contact).verdict is True
