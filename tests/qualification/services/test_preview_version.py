from __future__ import annotations

import pytest

from tandem.crm.models import Contact
from tandem.qualification.models import VersionStatus
from tandem.qualification.services import preview_version

pytestmark = pytest.mark.django_db


def test_counts_who_would_move_and_who_meets_it(make_version, make_contact):
    version = make_version("fit_score >= 60", status=VersionStatus.PENDING)
    lead = make_contact(fit_score=70)
    nurture = make_contact(fit_score=90, lifecycle_stage="nurture")
    make_contact(fit_score=95, lifecycle_stage="sal")  # meets it, but is past MQL
    make_contact(fit_score=10)
    make_contact(fit_score=None)

    preview = preview_version(version)

    assert preview.would_qualify == [lead.pk, nurture.pk]
    assert preview.would_qualify_count == 2
    assert preview.meeting_count == 3
    assert preview.total == 5
    assert preview.newly_failing_count == 0


def test_counts_who_meets_the_active_version_but_not_this_one(make_version, make_contact):
    make_version("fit_score >= 50")
    proposal = make_version("fit_score >= 80", status=VersionStatus.PENDING)
    make_contact(fit_score=55)
    make_contact(fit_score=60, lifecycle_stage="mql")
    make_contact(fit_score=85)
    make_contact(fit_score=20)

    preview = preview_version(proposal)

    assert preview.newly_failing_count == 2
    assert preview.would_qualify_count == 1
    assert preview.meeting_count == 1


def test_previewing_the_active_version_compares_with_nothing(make_version, make_contact):
    active = make_version("fit_score >= 50")
    make_contact(fit_score=55)

    preview = preview_version(active)

    assert preview.newly_failing_count == 0
    assert preview.would_qualify_count == 1


def test_sample_is_capped_but_the_count_is_not(make_version):
    version = make_version("fit_score >= 60", status=VersionStatus.PENDING)
    Contact.objects.bulk_create(
        Contact(email=f"p{n}@acme.io", fit_score=70, lifecycle_stage="lead") for n in range(12)
    )

    preview = preview_version(version, sample=5)

    assert len(preview.would_qualify) == 5
    assert preview.would_qualify == sorted(preview.would_qualify)
    assert preview.would_qualify_count == 12


def test_sql_version_would_move_sal_contacts(make_version, make_contact):
    version = make_version("fit_score >= 60", kind="sql", status=VersionStatus.PENDING)
    sal = make_contact(fit_score=70, lifecycle_stage="sal")
    make_contact(fit_score=70, lifecycle_stage="lead")

    preview = preview_version(version)

    assert preview.would_qualify == [sal.pk]
    assert preview.meeting_count == 2


def test_preview_changes_nothing(make_version, make_contact):
    version = make_version("fit_score >= 60", status=VersionStatus.PENDING)
    make_contact(fit_score=70)

    preview_version(version)

    assert set(Contact.objects.values_list("lifecycle_stage", flat=True)) == {"lead"}
