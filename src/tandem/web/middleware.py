"""Login is required everywhere except the login page, static files and the API.

The API authenticates on its own (token or session) and answers 401 in JSON rather
than redirecting to a login form.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tandem.core.errors import CoreError
from tandem.errors import http_status

OPEN_PREFIXES = ("/api/", "/admin/", "/static/", "/healthz")


class LoginRequiredEverywhere:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        login = reverse(settings.LOGIN_URL)
        if request.user.is_authenticated or path == login or path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), login)


class UserFacingErrors:
    """Turn errors a user can fix (NotFound, Forbidden, ...) into a page, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith("/api/") or not isinstance(exception, CoreError):
            return None
        status = http_status(exception)
        return render(
            request,
            "tandem/error.html",
            {"message": str(exception), "status": status},
            status=status,
        )
