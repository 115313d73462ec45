from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.crm.models import Account, Campaign, Contact
from tandem.qualification.models import DefinitionVersion, VersionStatus


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The default hasher takes about half a second per user on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def huey_runs_tasks_at_once() -> Iterator[None]:
    """Tasks run in the test process, against the test database, when enqueued."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def make_account(db: None) -> Callable[..., Account]:
    numbers = itertools.count(1)

    def make(**fields: Any) -> Account:
        fields.setdefault("name", f"Account {next(numbers)}")
        return Account.objects.create(**fields)

    return make


@pytest.fixture
def make_contact(db: None) -> Callable[..., Contact]:
    numbers = itertools.count(1)

    def make(**fields: Any) -> Contact:
        fields.setdefault("email", f"person{next(numbers)}@example.com")
        fields.setdefault("lifecycle_stage", "lead")
        return Contact.objects.create(**fields)

    return make


@pytest.fixture
def make_campaign(db: None) -> Callable[..., Campaign]:
    numbers = itertools.count(1)

    def make(**fields: Any) -> Campaign:
        fields.setdefault("name", f"Campaign {next(numbers)}")
        fields.setdefault("channel", "email")
        return Campaign.objects.create(**fields)

    return make


@pytest.fixture
def active_definition(db: None) -> Callable[..., DefinitionVersion]:
    """An already agreed definition, for tests that are not about agreeing on one."""

    def make(criteria: str, kind: str = "mql") -> DefinitionVersion:
        return DefinitionVersion.objects.create(
            kind=kind,
            number=DefinitionVersion.objects.filter(kind=kind).count() + 1,
            criteria=criteria,
            status=VersionStatus.ACTIVE,
            proposed_at=timezone.now(),
            activated_at=timezone.now(),
        )

    return make
