"""Many intakes at once, each on its own database connection (PostgreSQL only: SQLite
serializes writers by design)."""

from tests.concurrency import concurrent_test, run_at_once
from tracker import services
from tracker.models import FeatureRequest, Mention
from tracker.services import AccountData, ThreadData

pytestmark = concurrent_test

N = 24


def intake(i, **kw):
    return services.intake_log(
        account=AccountData(external_id=f"portal{i % 5}.example.com", plan="standard"),
        thread=ThreadData(channel="hooks-main", ref=f"chat{i}", language="en"),
        **kw,
    )


def test_concurrent_new_requests_get_distinct_numbers_and_lose_nothing(channel):
    _, errors = run_at_once(lambda i: intake(i, title=f"Wish number {i}"), N)

    assert errors == []
    numbers = list(FeatureRequest.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == N
    assert Mention.objects.count() == N


def test_concurrent_attachments_to_one_request_count_every_customer_once(channel):
    number = intake(999, title="Shared wish").request.number

    _, errors = run_at_once(lambda i: intake(i, request_number=number), N)

    assert errors == []
    request = FeatureRequest.objects.get(number=number)
    assert request.mention_count == N + 1 == Mention.objects.count()
    # Threads chat0..chat23 belong to 5 accounts; chat999 to portal4 (999 % 5), already counted.
    assert request.customer_count == 5
    assert services.requests_recount(numbers=[number]) == 0


def test_identical_intakes_at_once_leave_one_mention(channel):
    _, errors = run_at_once(lambda i: intake(7, title="Same call, sent many times"), N)

    assert errors == []
    assert FeatureRequest.objects.count() == 1
    assert Mention.objects.count() == 1
