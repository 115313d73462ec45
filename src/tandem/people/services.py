"""Use cases for users and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from tandem.core.permissions import Role
from tandem.errors import InvalidInput
from tandem.people.models import ApiToken, Team, User

TOKEN_PREFIX = "tdm_"


def _digest(secret: str) -> str:
    # Tokens are long random strings, so a fast hash is enough: there is no
    # low-entropy password to protect against brute force.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    role: Role | str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
) -> User:
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"Unknown role {role!r}; expected one of {', '.join(r.value for r in Role)}.",
            field="role",
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"A user named {username!r} already exists.", field="username")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role.value,
        team=team,
        is_staff=role is Role.ADMIN,
        is_superuser=role is Role.ADMIN,
    )
    user.set_password(password)
    user.save()
    return user


def issue_token(user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name or "API token", prefix=secret[:10], digest=_digest(secret)
    )
    return token, secret


def user_for_token(secret: str) -> User | None:
    """The active user behind a token secret, or None for unknown or revoked tokens."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Avoid a write on every request: once a minute is precise enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_token(token: ApiToken, *, user: User) -> None:
    if token.user_id != user.pk:
        raise InvalidInput("This token does not belong to you.", field="token")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
