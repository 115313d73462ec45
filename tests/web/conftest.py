from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.core.permissions import Role
from tandem.people.models import User


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
