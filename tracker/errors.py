"""Domain errors, raised by the services and mapped to answers in one place each
(the API's exception handler, the admin's messages).

Their messages are translated when they are shown, not when they are raised: a service
raises `TrackerError(lazy_message(_("… %(status)s …"), status=Status.DONE.label))`, and
`error.message` reads it in the language active then: the admin user's, or the one the
API's caller asked for (Accept-Language; English by default). The `code` is what machines
read, and never changes with the language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _interpolate(message: StrOrPromise, params: Mapping[str, Any]) -> str:
    # `%s` of a lazy label (a status, a plan) translates it here too.
    return str(message) % params


_lazy_interpolate = lazy(_interpolate, str)


def lazy_message(message: StrOrPromise, **params: Any) -> StrOrPromise:
    """`message % params`, made when it is read, in the language active then."""
    return _lazy_interpolate(message, params)


class TrackerError(Exception):
    """A request the domain refuses. `field` names the input at fault, if one is."""

    code = "invalid"

    def __init__(self, message: StrOrPromise, *, field: str | None = None) -> None:
        super().__init__(message)
        self._message = message
        self.field = field

    @property
    def message(self) -> str:
        """The message in the language active now: the one it is shown in."""
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class NotFound(TrackerError):
    code = "not_found"


class TransitionNotAllowed(TrackerError):
    code = "transition_not_allowed"


class MergeNotAllowed(TrackerError):
    code = "merge_not_allowed"


class IncompleteReport(TrackerError):
    """A defect report that lacks parts the support desk needs; lists every one."""

    code = "incomplete_report"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            lazy_message(
                _(
                    "A defect report must say what was done, how it was started, the expected "
                    "and the actual result, and carry at least one screenshot or video. "
                    "Missing: %(missing)s."
                ),
                missing=", ".join(missing),
            )
        )
        self.missing = missing


class Busy(TrackerError):
    """Other changes to the same rows kept getting in the way, even after the service ran
    its transaction again a few times: nothing was changed, and trying again later works."""

    code = "busy"
    # Seconds after which trying again makes sense.
    retry_after = 1

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Other changes to the same request are under way; nothing was changed. "
                "Try again in a moment."
            )
        )
