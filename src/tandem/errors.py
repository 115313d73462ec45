"""The error family services raise; the API and the web turn them into responses.

``CoreError`` (from the pure core) is the root, so a refused lifecycle move or a
bad condition travels the same way as a service error.
"""

from __future__ import annotations

from typing import Any

from tandem.core.errors import CoreError


class TandemError(CoreError):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class InvalidInput(TandemError):
    code = "invalid_input"
    status = 422


class NotFound(TandemError):
    """Missing and not-yours look the same, so nothing leaks."""

    code = "not_found"
    status = 404


class Forbidden(TandemError):
    code = "forbidden"
    status = 403


class Conflict(TandemError):
    code = "conflict"
    status = 409


def http_status(error: CoreError) -> int:
    if isinstance(error, TandemError):
        return error.status
    if error.code == "transition_refused":
        return 409
    return 422
