"""The one place where errors become answers.

Every refusal has one shape, `{"errors": [{"field", "code", "message"}]}`, where `field`
is the input at fault as a dotted path (`thread.language`, `attachments.0`) or null when
the whole request is at fault (authentication, a body too large).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import OperationalError
from django.http import Http404
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


def tracker_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
    return None


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
