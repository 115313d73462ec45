"""The guard services call before acting. The rules themselves are in core.permissions."""

from __future__ import annotations

from django.http import HttpRequest

from tandem.core.permissions import Action, Scope, scope
from tandem.errors import Forbidden
from tandem.people.models import User


def require(actor: User | None, action: Action, *, owns: bool | None = None) -> None:
    """Raise Forbidden unless ``actor`` may do ``action``; ``None`` is the system itself."""
    if actor is not None and not actor.may(action, owns=owns):
        # Mention ownership only when owning the record would have made it allowed;
        # otherwise the message would suggest a way in that does not exist.
        limited = owns is False and actor.is_active and scope(actor.role, action) is Scope.OWN
        raise Forbidden(
            f"Your role ({actor.role_label}) may not {action.value.replace('_', ' ')}"
            + (" on records you do not own." if limited else ".")
        )


def current_user(request: HttpRequest) -> User:
    """The authenticated user of a request that passed the login or token check."""
    user = request.user
    if not isinstance(user, User):  # the middleware and API auth guarantee it
        raise Forbidden("Log in first.")
    return user
