from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.core.permissions import Role
from tandem.crm.models import Account, Campaign, Contact
from tandem.people.models import User
from tandem.people.services import create_user, issue_token
from tandem.qualification.models import DefinitionVersion, VersionStatus

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The default hasher takes about half a second per user on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Reports are cached by data version; ids and counts repeat from test to test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def huey_runs_tasks_at_once() -> Iterator[None]:
    """Tasks run in the test process, against the test database, when enqueued."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.MARKETING, username: str | None = None, **extra: str) -> User:
        name = username or f"{Role(role).value}{next(counter)}"
        return create_user(username=name, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def marketer(make_user: Callable[..., User]) -> User:
    return make_user(Role.MARKETING, "maria", first_name="Maria")


@pytest.fixture
def rep(make_user: Callable[..., User]) -> User:
    return make_user(Role.SALES_REP, "ray", first_name="Ray")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user(Role.SALES_MANAGER, "sam", first_name="Sam")


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, "ada", first_name="Ada")


class ApiClient:
    """A test client that sends JSON with a personal token, as an integration would."""

    def __init__(self, user: User) -> None:
        _, secret = issue_token(user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.user = user

    def _call(self, method: str, path: str, data: object | None = None):  # type: ignore[no-untyped-def]
        call = getattr(self.client, method)
        if data is None:
            return call(f"/api/v1{path}")
        return call(f"/api/v1{path}", data=data, content_type="application/json")

    def get(self, path: str, params: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", params or {})

    def post(self, path: str, data: object):  # type: ignore[no-untyped-def]
        return self._call("post", path, data)

    def patch(self, path: str, data: object):  # type: ignore[no-untyped-def]
        return self._call("patch", path, data)


@pytest.fixture
def api_as() -> Callable[[User], ApiClient]:
    return ApiClient


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
def make_version(db: None) -> Callable[..., DefinitionVersion]:
    """A definition version in a given state, for tests not about how it got there."""

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
