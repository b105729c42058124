"""The one place where errors become answers.

Every refusal has one shape, `{"errors": [{"field", "code", "message"}]}`, where `field`
is the input at fault as a dotted path (`thread.language`, `attachments.0`) or null when
the whole request is at fault (authentication, a body too large).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from tracker.errors import (
    Busy,
    IncompleteReport,
    MergeNotAllowed,
    NotFound,
    TrackerError,
    TransitionNotAllowed,
)
from tracker.services.locks import contention

# A missing object named in the URL is a 404; one named in the body is bad input.
PATH_FIELDS = frozenset({"number"})


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "body_too_large"


def error(field: str | None, code: str, message: str) -> dict[str, str | None]:
    return {"field": field, "code": code, "message": message}


def tracker_exception_handler(
    exc: Exception, context: dict[str, Any]
) -> Response | JsonResponse | None:
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OperationalError) and contention(exc):
        # A deadlock or serialization failure outside the services' own retries.
        exc = Busy()

    if isinstance(exc, Busy):
        set_rollback()
        return Response(
            {"errors": _tracker_errors(exc)},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, TrackerError):
        set_rollback()
        return Response({"errors": _tracker_errors(exc)}, status=_tracker_status(exc))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if auth_header := getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = auth_header
        if wait := getattr(exc, "wait", None):
            headers["Retry-After"] = f"{wait:.0f}"
        set_rollback()
        return Response({"errors": _api_errors(exc)}, status=exc.status_code, headers=headers)
    return database_unavailable(exc)


# --- the database in trouble ------------------------------------------------------------
# Refused, timed out (DATABASE_CONNECT_TIMEOUT, DATABASE_STATEMENT_TIMEOUT) or gone: the
# client should come back shortly, and is told so in the error shape, never with an HTML 500.
# The exception handler above answers for DRF's views; the middleware and the 500 handler
# below for whatever is raised outside them.

API_PREFIX = "/api/"
DATABASE_RETRY_AFTER = 5  # seconds; about one connect timeout


def database_unavailable(exc: BaseException | None) -> JsonResponse | None:
    """The 503 for an error of the database's connection, else None."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    message = "The database is unavailable; try again shortly."
    response = JsonResponse(
        {"errors": [error(None, "database_unavailable", message)]},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


class DatabaseUnavailableMiddleware:
    """An API view's database error that no exception handler answered becomes the 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return database_unavailable(exc) if request.path.startswith(API_PREFIX) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: for the API, the error shape (the 503 when the database is at fault, as
    when a middleware's query fails before any view runs); elsewhere Django's own page."""
    if not request.path.startswith(API_PREFIX):
        return defaults.server_error(request)
    if unavailable := database_unavailable(sys.exc_info()[1]):
        return unavailable
    message = "Something went wrong on our side."
    return JsonResponse(
        {"errors": [error(None, "server_error", message)]},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _tracker_status(exc: TrackerError) -> int:
    if isinstance(exc, NotFound):
        if exc.field is None or exc.field in PATH_FIELDS:
            return status.HTTP_404_NOT_FOUND
        return status.HTTP_400_BAD_REQUEST
    if isinstance(exc, TransitionNotAllowed | MergeNotAllowed):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def _tracker_errors(exc: TrackerError) -> list[dict[str, str | None]]:
    if isinstance(exc, IncompleteReport):
        # One entry per missing part, so a form can mark each of them.
        return [error(name, "required", exc.message) for name in exc.missing]
    return [error(exc.field, exc.code, exc.message)]


def _api_errors(exc: exceptions.APIException) -> list[dict[str, str | None]]:
    if isinstance(exc, exceptions.ValidationError):
        return list(_flatten(as_serializer_error(exc), prefix=None))
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    return [error(None, str(code), str(detail))]


def _flatten(detail: Any, prefix: str | None) -> Any:
    """Walk DRF's nested error structure down to each ErrorDetail, naming its field path."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            path = ".".join(p for p in (prefix, name) if p) or None
            yield from _flatten(value, path)
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                yield error(prefix, getattr(item, "code", "invalid"), str(item))
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        yield error(prefix, getattr(detail, "code", "invalid"), str(detail))
