from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.core.permissions import Role
from tandem.people.models import User
from tandem.people.services import create_user, issue_token

PASSWORD = "correct-horse-battery"


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
