"""When PostgreSQL rolls a service's transaction back to break a tie with another, the
service runs it again; when that keeps failing, the API answers 503 with Retry-After in
the error shape, never an HTML 500. (A real deadlock, on PostgreSQL, is in
test_intake_concurrency.py.)"""

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.factories import log_intake
from tracker.models import Decision, FeatureRequest
from tracker.services import decisions, locks


class _Deadlock(Exception):
    """What psycopg raises when PostgreSQL broke a deadlock by rolling this one back."""

    sqlstate = "40P01"


@pytest.fixture
def deadlocks(monkeypatch):
    """Make the next `n` locks of a request by a decision fail as a deadlock would."""
    monkeypatch.setattr(locks, "FIRST_PAUSE", 0)
    calls = {"left": 0, "made": 0}
    lock_request = decisions.lock_request

    def deadlocking(*args, **kwargs):
        calls["made"] += 1
        if calls["left"]:
            calls["left"] -= 1
            try:
                raise _Deadlock
            except _Deadlock as cause:
                raise OperationalError("deadlock detected") from cause
        return lock_request(*args, **kwargs)

    monkeypatch.setattr(decisions, "lock_request", deadlocking)

    def arm(n):
        calls["left"] = n
        return calls

    return arm


# Only the outermost transaction runs again: not inside the one each plain test runs in.
outermost = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@outermost
def test_a_decision_broken_by_a_deadlock_runs_again_and_happens_once(
    pm, channel, deadlocks, caplog
):
    number = log_intake(title="Export deals", ref="c1").number
    calls = deadlocks(1)

    response = pm.patch(reverse("api-request", args=[number]), {"priority": "p1"}, format="json")

    assert response.status_code == 200
    assert calls["made"] == 2
    assert FeatureRequest.objects.get(number=number).priority == "p1"
    assert Decision.objects.count() == 1
    assert "deadlock detected; attempt 1 of 5" in caplog.text


@outermost
def test_a_decision_that_keeps_deadlocking_answers_503_with_retry_after(pm, channel, deadlocks):
    number = log_intake(title="Export deals", ref="c1").number
    calls = deadlocks(100)

    response = pm.post(
        reverse("api-request-transition", args=[number]), {"status": "accepted"}, format="json"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response["Content-Type"] == "application/json"
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == (None, "busy")
    # Bounded: five runs, then the answer; nothing was changed.
    assert calls["made"] == locks.ATTEMPTS
    assert FeatureRequest.objects.get(number=number).status == "under_review"
    assert not Decision.objects.exists()


def test_a_deadlock_outside_the_services_is_a_json_503_too(pm, channel, monkeypatch):
    from tracker import selectors

    def deadlocked(**kwargs):
        try:
            raise _Deadlock
        except _Deadlock as cause:
            raise OperationalError("deadlock detected") from cause

    monkeypatch.setattr(selectors, "request_detail", deadlocked)
    number = log_intake(title="Export deals", ref="c1").number

    response = pm.get(reverse("api-request", args=[number]))

    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert response.json()["errors"][0]["code"] == "busy"
