"""The public API, v1: one NinjaAPI, one router per app, one error format."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tandem import __version__
from tandem.api import crm, people, qualification
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


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        # Drop ninja's wrapper names so the field reads as the client sent it.
        loc = [
            str(p) for p in error.get("loc", ()) if p not in {"body", "payload", "query", "path"}
        ]
        errors.append({"field": ".".join(loc) or "body", "message": error.get("msg", "invalid")})
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
