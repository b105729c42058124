"""Domain errors, raised by the services and mapped to answers in one place each
(the API's exception handler, the admin's messages)."""

from __future__ import annotations


class TrackerError(Exception):
    """A request the domain refuses. `field` names the input at fault, if one is."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
            "A defect report must say what was done, how it was started, the expected and the "
            "actual result, and carry at least one screenshot or video. Missing: "
            + ", ".join(missing)
            + "."
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
            or "Other changes to the same request are under way; nothing was changed. "
            "Try again in a moment."
        )
