from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.crm.models import Contact
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
def make_contact(db: None) -> Callable[..., Contact]:
    numbers = itertools.count(1)

    def make(**fields: Any) -> Contact:
        fields.setdefault("email", f"person{next(numbers)}@example.com")
        fields.setdefault("lifecycle_stage", "lead")
        return Contact.objects.create(**fields)

    return make


@pytest.fixture
def make_version(db: None) -> Callable[..., DefinitionVersion]:
    """A version in a given state, for tests that are not about how it got there."""

    def make(
        criteria: str, *, kind: str = "mql", status: str = VersionStatus.ACTIVE
    ) -> DefinitionVersion:
        return DefinitionVersion.objects.create(
            kind=kind,
            number=DefinitionVersion.objects.filter(kind=kind).count() + 1,
            criteria=criteria,
            status=status,
            proposed_at=timezone.now(),
            activated_at=timezone.now() if status == VersionStatus.ACTIVE else None,
        )

    return make
