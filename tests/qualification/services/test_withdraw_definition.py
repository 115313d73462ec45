from __future__ import annotations

import pytest

from tandem.errors import Conflict, Forbidden
from tandem.qualification.models import VersionStatus
from tandem.qualification.services import withdraw_definition

pytestmark = pytest.mark.django_db


def test_pending_version_is_withdrawn(make_version, marketer):
    version = make_version("fit_score > 1", status=VersionStatus.PENDING)

    withdraw_definition(version, actor=marketer)

    version.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN


def test_active_version_cannot_be_withdrawn(make_version, marketer):
    version = make_version("fit_score > 1")

    with pytest.raises(Conflict) as refused:
        withdraw_definition(version, actor=marketer)

    assert refused.value.message == "MQL v1 is not awaiting approval, so it cannot be withdrawn."


def test_rep_may_not_withdraw(make_version, rep):
    version = make_version("fit_score > 1", status=VersionStatus.PENDING)

    with pytest.raises(Forbidden):
        withdraw_definition(version, actor=rep)

    version.refresh_from_db()
    assert version.status == VersionStatus.PENDING
