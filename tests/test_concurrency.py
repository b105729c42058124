"""Many intakes at once, each on its own database connection (PostgreSQL only: SQLite
serializes writers by design)."""

import threading

import pytest
from django.db import connection, connections

from tracker import services
from tracker.models import FeatureRequest, Mention
from tracker.services import AccountData, ThreadData

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database with concurrent writers"
    ),
]

N = 24


def run_at_once(work):
    """Run work(i) for i in range(N) on N threads released together; return their errors."""
    barrier = threading.Barrier(N)
    errors = []

    def worker(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # collected and asserted on by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def intake(i, **kw):
    return services.intake_log(
        account=AccountData(external_id=f"portal{i % 5}.example.com", plan="standard"),
        thread=ThreadData(channel="hooks-main", ref=f"chat{i}", language="en"),
        **kw,
    )


def test_concurrent_new_requests_get_distinct_numbers_and_lose_nothing(channel):
    errors = run_at_once(lambda i: intake(i, title=f"Wish number {i}"))

    assert errors == []
    numbers = list(FeatureRequest.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == N
    assert Mention.objects.count() == N


def test_concurrent_attachments_to_one_request_count_every_customer_once(channel):
    number = intake(999, title="Shared wish").request.number

    errors = run_at_once(lambda i: intake(i, request_number=number))

    assert errors == []
    request = FeatureRequest.objects.get(number=number)
    assert request.mention_count == N + 1 == Mention.objects.count()
    # Threads chat0..chat23 belong to 5 accounts; chat999 to portal4 (999 % 5), already counted.
    assert request.customer_count == 5
    assert services.requests_recount(numbers=[number]) == 0


def test_identical_intakes_at_once_leave_one_mention(channel):
    errors = run_at_once(lambda i: intake(7, title="Same call, sent many times"))

    assert errors == []
    assert FeatureRequest.objects.count() == 1
    assert Mention.objects.count() == 1
