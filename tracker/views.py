"""/healthz: liveness and database reachability, for load balancers."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse

# The probe in flight, shared by every request of this process: a frozen database holds one
# thread (until DATABASE_CONNECT_TIMEOUT at most, while connecting), never one per probe.
_lock = threading.Lock()
_probe: Future[None] | None = None


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when a new connection to the database answers SELECT 1 within
    HEALTHZ_DATABASE_TIMEOUT seconds, else 503: never a hang, whatever the database does."""
    try:
        _probe_in_flight().result(timeout=settings.HEALTHZ_DATABASE_TIMEOUT)
    except FutureTimeout:
        return JsonResponse({"status": "error", "database": "not answering"}, status=503)
    except Exception:  # any database failure means "not healthy", whatever its class
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def _probe_in_flight() -> Future[None]:
    global _probe
    with _lock:
        if _probe is None or _probe.done():
            _probe = Future()
            threading.Thread(target=_select_one, args=(_probe,), daemon=True).start()
        return _probe


def _select_one(done: Future[None]) -> None:
    # Its own connection, not the request's: a fresh connect proves the database takes new
    # clients, and a hung one is this thread's alone.
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        done.set_result(None)
    except BaseException as exc:
        done.set_exception(exc)
    finally:
        connection.close()
