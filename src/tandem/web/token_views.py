"""Personal API tokens: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import CoreError
from tandem.people.access import current_user
from tandem.people.models import ApiToken
from tandem.people.services import issue_token, revoke_token


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    secret = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:120]
        if not name:
            messages.error(request, "Give the token a name, such as the tool that will use it.")
            return redirect("tokens")
        _, secret = issue_token(user, name=name)
    return render(
        request,
        "tandem/tokens.html",
        {"tokens": ApiToken.objects.filter(user=user), "secret": secret},
    )


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = current_user(request)
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        messages.error(request, "No such token.")
        return redirect("tokens")
    try:
        revoke_token(token, user=user)
    except CoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Revoked {token.name}. Clients using it are now refused.")
    return redirect("tokens")
