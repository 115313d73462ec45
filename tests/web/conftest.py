from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from tandem.core.permissions import Role
from tandem.people.models import User


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
def browser_as(client: Client) -> Callable[[User], Client]:
    """The test client, logged in as the given user."""

    def login(user: User) -> Client:
        client.force_login(user)
        return client

    return login


@pytest.fixture(params=[r.value for r in Role])
def any_role(request: pytest.FixtureRequest, make_user: Callable[..., User]) -> User:
    return make_user(request.param, f"user-{request.param}", first_name=request.param.title())
