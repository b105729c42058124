"""A wave of customers on one request (issue 18): intake holds the request's row only for
the moment it adds the mention to the figures, reads the caller's permissions once, and
every count stays exact however many intakes attach at once."""

from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from tests.api.conftest import client_for, intake_payload
from tests.concurrency import concurrent_test, run_at_once
from tests.factories import ChannelFactory, UserFactory, log_intake
from tracker import services
from tracker.models import Account, Channel, FeatureRequest, Mention, Notification, Thread

URL = reverse("api-intake")

# The statements of one intake through the API, pinned: a change that adds one shows here.
# Token and user (1), the caller's permissions (1: tracker/auth.py), the account made (1 on
# PostgreSQL, where the look-up is in the same statement; 2 on SQLite), the thread made
# (1; the channel is this process's copy, warmed by the first intake); then, to attach:
# the request read by the statement that holds its family (1), the mention (1), the
# figures and the score in one UPDATE … RETURNING (1), the notification with the workers'
# wake-up (1): 8. SQLite has no advisory lock nor NOTIFY.
# Inside a test's transaction the service's own is a savepoint: 2 more.
ATTACH_NEW_CUSTOMER = {"postgresql": 8 + 2, "sqlite": 9 + 2}
# An account seen before: found by the same statement on PostgreSQL, by its look-up on
# SQLite; then its shared lock (PostgreSQL), and whether it raised the request before.
ATTACH_KNOWN_CUSTOMER = {"postgresql": 11 + 2, "sqlite": 10 + 2}


def _attach_payload(number, account, ref):
    return intake_payload(
        account={"external_id": account},
        thread={"channel": "hooks-main", "ref": ref, "language": "en"},
        title="",
        request_number=number,
    )


def test_attaching_a_new_customer_takes_a_pinned_number_of_statements(
    agent, channel, django_assert_num_queries
):
    number = log_intake(title="Export deals", ref="first").number
    agent.post(URL, _attach_payload(number, "warmup.example.com", "warm"), format="json")

    with django_assert_num_queries(ATTACH_NEW_CUSTOMER[connection.vendor]):
        response = agent.post(
            URL, _attach_payload(number, "new.example.com", "chat-new"), format="json"
        )

    assert response.status_code == 200
    assert FeatureRequest.objects.get(number=number).customer_count == 3


def test_attaching_a_customer_seen_before_takes_a_pinned_number_of_statements(
    agent, channel, django_assert_num_queries
):
    number = log_intake(title="Export deals", ref="first").number
    log_intake(title="Dark theme", ref="other", account="known.example.com")

    with django_assert_num_queries(ATTACH_KNOWN_CUSTOMER[connection.vendor]):
        response = agent.post(
            URL, _attach_payload(number, "known.example.com", "chat-known"), format="json"
        )

    assert response.status_code == 200
    request = FeatureRequest.objects.get(number=number)
    assert (request.customer_count, request.mention_count) == (2, 2)


def test_the_permissions_are_read_in_one_query_with_the_same_answer(
    support_agent, product_manager, django_assert_num_queries
):
    from django.contrib.auth.models import User

    for user in (support_agent, product_manager):
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(1):
            permissions = fresh.get_all_permissions()
            assert fresh.has_perm("tracker.add_mention")
        expected = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.filter(group__user=user)
        }
        assert permissions == expected
    stranger = UserFactory(username="someone")
    stranger.user_permissions.add(Permission.objects.get(codename="view_account"))
    assert User.objects.get(pk=stranger.pk).get_all_permissions() == {"tracker.view_account"}


def test_an_attach_counts_the_figures_as_a_recount_does(agent, channel):
    number = log_intake(title="Export deals", ref="first", criticality="low").number
    for i, criticality in enumerate(["normal", "high", "low", "high"]):
        payload = _attach_payload(number, f"c{i % 2}.example.com", f"chat{i}")
        payload["criticality"] = criticality
        assert agent.post(URL, payload, format="json").status_code == 200

    request = FeatureRequest.objects.get(number=number)
    assert (request.customer_count, request.mention_count) == (3, 5)
    assert request.mention_criticality == "high"
    assert request.last_raised_at == Mention.objects.latest("created_at").created_at
    assert services.requests_recount(numbers=[number]) == 0


def _concurrent(test):
    for mark in concurrent_test:
        test = mark(test)
    return test


@_concurrent
def test_32_clients_from_32_accounts_with_two_threads_each_count_exactly():
    ChannelFactory()
    agent = UserFactory(username="agent")
    agent.user_permissions.add(Permission.objects.get(codename="add_mention"))
    number = log_intake(title="Export deals", ref="first").number
    accounts, threads_each = 32, 2
    plans = ["free", "standard", "professional"]
    # Known accounts: two intakes of one account share its lock (a new one would make them
    # take turns on its unique key), so only the (request, account) lock keeps it one
    # customer.
    Account.objects.bulk_create(
        Account(external_id=f"wave{a}.example.com", name=f"Wave {a}", plan=plans[a % 3])
        for a in range(accounts)
    )

    def intake(i):
        account = i // threads_each
        payload = _attach_payload(number, f"wave{account}.example.com", f"w{i}")
        payload["account"]["plan"] = plans[account % 3]
        return client_for(agent).post(URL, payload, format="json")

    answers, errors = run_at_once(intake, accounts * threads_each)

    assert errors == []
    assert [a.status_code for a in answers] == [200] * accounts * threads_each
    request = FeatureRequest.objects.get(number=number)
    assert request.customer_count == accounts + 1
    assert request.mention_count == accounts * threads_each + 1
    assert Notification.objects.filter(request=request).count() == accounts * threads_each + 1
    # The recount from the mentions finds nothing to change: weight and score too.
    assert services.requests_recount(numbers=[number]) == 0


def test_an_attach_tells_the_thread_the_status_as_it_is_once_the_row_is_locked(
    channel, monkeypatch
):
    """A status change that commits between the intake's read of the request and its
    update: the change's own notifications cannot reach this thread (its mention was not
    committed), so the attach's notification must carry the new status."""
    from tracker.services import intake

    number = log_intake(title="Export deals", ref="first").number
    read = intake.hold_for_attach

    def read_then_changed(*args, **kwargs):
        request = read(*args, **kwargs)
        services.request_transition(number=number, status="accepted")
        return request  # as read: still under review

    monkeypatch.setattr(intake, "hold_for_attach", read_then_changed)
    log_intake(number=number, account="late.example.com", ref="late")

    told = Notification.objects.get(thread__ref="late", event="request.attached")
    assert told.status == "accepted"


def test_a_channel_changed_in_this_process_is_read_again_at_once(channel):
    log_intake(title="Warm the channel's copy", language=None)
    channel.config = {**channel.config, "default_language": "ja"}
    channel.save()  # as the admin's form does

    log_intake(title="2.0.1", ref="chat-after-change", language=None)

    assert Thread.objects.get(ref="chat-after-change").language == "ja"


def test_a_channel_changed_elsewhere_is_read_again_within_its_copys_lifetime(channel, monkeypatch):
    from tracker.services import intake

    clock = [1000.0]
    monkeypatch.setattr(intake.time, "monotonic", lambda: clock[0])
    log_intake(title="Warm the channel's copy", language=None)
    # Another process's change: no signal reaches this one.
    Channel.objects.filter(pk=channel.pk).update(config={"default_language": "ru"})

    log_intake(title="2.0.1", ref="chat-soon", language=None)
    clock[0] += intake.CHANNEL_COPY_SECONDS
    log_intake(title="2.0.2", ref="chat-later", language=None)

    languages = dict(Thread.objects.values_list("ref", "language"))
    assert (languages["chat-soon"], languages["chat-later"]) == ("en", "ru")


def test_the_intake_answers_exactly_what_its_documented_serializer_would(agent, channel):
    from tracker.api.serializers import IntakeResultSerializer

    logged = agent.post(URL, intake_payload(title="Export deals"), format="json")
    number = logged.json()["number"]
    attached = agent.post(URL, _attach_payload(number, "b.example.com", "chat-b"), format="json")

    for response in (logged, attached):
        documented = IntakeResultSerializer(data=response.json())
        assert documented.is_valid(), documented.errors
        assert response.json() == IntakeResultSerializer(documented.validated_data).data
        assert set(response.json()) == set(IntakeResultSerializer().fields)
