"""The public API, v1: one NinjaAPI, one router per app, one error format."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tandem import __version__
from tandem.api import crm, notifications, people, qualification
from tandem.api.auth import AUTH
from tandem.core.errors import CoreError
from tandem.errors import http_status

api = NinjaAPI(
    title="Tandem API",
    version="1",
    description=(
        f"Tandem {__version__}. Authenticate with a personal API token: "
        "`Authorization: Bearer tdm_…`. Errors are `{code, message, field?, errors?}`."
    ),
    auth=AUTH,
    urls_namespace="api-v1",
)


@api.exception_handler(CoreError)
def core_error(request: HttpRequest, exc: CoreError) -> HttpResponse:
    body: dict[str, object] = {"code": exc.code, "message": str(exc)}
    for attr in ("field", "position", "from_stage", "to_stage"):
        value = getattr(exc, attr, None)
        if value is not None:
            body[attr] = str(value) if attr.endswith("stage") else value
    body.update(getattr(exc, "extra", {}) or {})
    return api.create_response(request, body, status=http_status(exc))


def _field_path(loc: Sequence[object]) -> str:
    """A pydantic error location as the client wrote the field: ``items[3].occurred_at``.

    Ninja's wrapper names are dropped, list indexes are bracketed as the services name
    them, and the branch labels pydantic adds inside a union (``str-enum[Channel]``,
    ``literal['']``) are dropped: they name no field the client sent.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"body", "payload", "query", "path"} or not str(part).isidentifier():
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    for error in exc.errors:
        field = _field_path(error.get("loc", ()))
        # A value refused by every branch of a union gets one error per branch;
        # the first says what the field expects, the rest only repeat it.
        if any(e["field"] == field for e in errors):
            continue
        errors.append({"field": field, "message": error.get("msg", "invalid")})
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "errors": errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "code": "unauthenticated",
            "message": "Send a valid API token as 'Authorization: Bearer <token>' or log in.",
        },
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"code": "http_error", "message": str(exc)}, status=exc.status_code
    )


api.add_router("/", people.router)
api.add_router("/", crm.router)
api.add_router("/definitions", qualification.router)
api.add_router("/notifications", notifications.router)
