"""The hand-written inserts write what the ORM would: the row made or not made, its key
set, and a fan-out's rows the same as bulk_create's. They reach into ORM internals, so a
Django upgrade that changes those makes these fail first."""

import psycopg
import pytest
from django.db import OperationalError, connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import AccountFactory, ChannelFactory, FeatureRequestFactory, ThreadFactory
from tracker.choices import DeclineReason, DeliveryState, Event, Language, Plan, Status
from tracker.db import (
    add_demand,
    get_or_insert,
    insert_for_each,
    insert_if_absent,
    insert_one,
    insert_values,
    mark_delivered,
)
from tracker.models import Account, Notification, Thread

pytestmark = pytest.mark.django_db


def test_insert_if_absent_makes_the_row_and_sets_its_key():
    account = Account(external_id="acme.example", name="Acme", plan=Plan.BASIC)

    assert insert_if_absent(account) is True

    assert account.pk is not None
    assert not account._state.adding
    saved = Account.objects.get(pk=account.pk)
    assert (saved.external_id, saved.name, saved.plan) == ("acme.example", "Acme", Plan.BASIC)
    assert saved.created_at is not None


def test_a_row_made_by_insert_if_absent_saves_like_any_other():
    account = Account(external_id="acme.example", name="Acme", plan=Plan.BASIC)
    insert_if_absent(account)

    account.name = "Acme Inc"
    account.save()  # an UPDATE of that row, not a second INSERT

    assert list(Account.objects.values_list("name", flat=True)) == ["Acme Inc"]


def test_insert_if_absent_leaves_an_existing_row_alone():
    channel = ChannelFactory()
    first = ThreadFactory(channel=channel, ref="chat1", language=Language.RU)
    other_account = AccountFactory()

    again = Thread(channel=channel, ref="chat1", account=other_account, language=Language.JA)
    assert insert_if_absent(again) is False

    assert again.pk is None
    assert again._state.adding
    kept = Thread.objects.get(channel=channel, ref="chat1")
    assert (kept.pk, kept.account_id, kept.language) == (first.pk, first.account_id, "ru")
    assert Thread.objects.count() == 1


def test_insert_values_are_the_columns_and_values_the_orm_writes():
    before = timezone.now()
    account = Account(external_id="acme.example", name="Acme", plan=Plan.BASIC)

    insert = insert_values(account, skip="name")

    quote = connection.ops.quote_name
    assert insert.table == quote("tracker_account")
    assert insert.columns == [quote("external_id"), quote("plan"), quote("created_at")]
    assert insert.params[:2] == ["acme.example", "basic"]
    assert insert.placeholders == "%s, %s, %s"
    # auto_now_add was applied to the instance, as save() would.
    assert before <= account.created_at <= timezone.now()


def test_insert_for_each_wants_a_foreign_key():
    with pytest.raises(TypeError):
        insert_for_each(Account(external_id="x"), field="name", ids=[1])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="unnest() is PostgreSQL's")
@pytest.mark.parametrize("given", ["list", "query"])
def test_the_fan_out_writes_the_rows_bulk_create_would(given):
    request = FeatureRequestFactory(
        status=Status.DECLINED, decline_reason=DeclineReason.NOT_PLANNED
    )
    channel = ChannelFactory()
    threads = [ThreadFactory(channel=channel) for _ in range(6)]
    facts = {
        "request": request,
        "event": Event.STATUS_CHANGED,
        "status": Status.DECLINED,
        "reason": DeclineReason.NOT_PLANNED,
        "public_note": "Официальные партнёры делают такую работу.",
        "merged_from": 1042,
    }
    before = timezone.now()
    by_orm = Notification.objects.bulk_create(
        [Notification(thread=thread, **facts) for thread in threads[:3]]
    )
    fanned = [thread.pk for thread in threads[3:]]

    ids = (
        list(reversed(fanned))
        if given == "list"
        else Thread.objects.filter(pk__in=fanned).order_by("-pk").values_list("pk", flat=True)
    )

    insert_for_each(Notification(**facts), field="thread", ids=ids)

    made = list(Notification.objects.exclude(pk__in=[n.pk for n in by_orm]).order_by("id"))
    # One row per id, written in id order.
    assert [n.thread_id for n in made] == fanned
    # model_to_dict leaves out the timestamps (not editable), checked below.
    stamps = {"id", "thread"}
    expected = {
        tuple(sorted((k, v) for k, v in model_to_dict(n).items() if k not in stamps))
        for n in Notification.objects.filter(pk__in=[n.pk for n in by_orm])
    }
    assert len(expected) == 1
    assert {
        tuple(sorted((k, v) for k, v in model_to_dict(n).items() if k not in stamps)) for n in made
    } == expected
    assert all(before <= n.created_at <= timezone.now() for n in made)
    assert all(before <= n.next_attempt_at <= timezone.now() for n in made)


def test_insert_one_writes_the_row_the_orm_would_and_sets_its_key():
    thread = ThreadFactory()
    request = FeatureRequestFactory()
    facts = {"thread": thread, "request": request, "status": request.status}
    by_hand = Notification(event=Event.ATTACHED, **facts)
    by_orm = Notification(event=Event.ATTACHED, **facts)

    insert_one(by_hand, wake="tracker_outbox")
    by_orm.save()

    assert by_hand.pk is not None and by_hand.pk != by_orm.pk
    assert not by_hand._state.adding
    made, saved = (Notification.objects.get(pk=n.pk) for n in (by_hand, by_orm))
    skip = {"id", "next_attempt_at", "created_at"}
    assert {k: v for k, v in model_to_dict(made).items() if k not in skip} == {
        k: v for k, v in model_to_dict(saved).items() if k not in skip
    }


@pytest.mark.parametrize("priority", ["none", "p3", "p1"])
@pytest.mark.parametrize("criticality", ["", "high"])
def test_add_demand_writes_the_score_the_ranking_formula_gives(settings, priority, criticality):
    # Points that are not whole numbers, and plan weights whose sums are not powers of two:
    # the SQL's logarithm and rounding must land where tracker.ranking's do.
    settings.TRACKER_DEMAND_POINTS = 7.3
    settings.TRACKER_CRITICALITY_POINTS = {"low": 0.5, "normal": 10.25, "high": 25.125}
    settings.TRACKER_PRIORITY_POINTS = {"none": 0, "p3": 15.333, "p1": 50.5}
    request = FeatureRequestFactory(priority=priority, criticality=criticality)
    at = timezone.now()
    for step, (customers, weight, said) in enumerate(
        [(1, 1.5, "low"), (1, 0.7, "critical"), (0, 0.0, "normal"), (1, 3.25, "high")] * 3
    ):
        added = add_demand(
            request.number, customers=customers, weight=weight, criticality=said, at=at
        )
        assert added is not None
        request.refresh_from_db()
        assert added["score"] == request.score, step
        assert request.score == request.ranking().score, step
    assert request.customer_count == 9


def test_add_demand_leaves_a_merged_request_alone():
    survivor = FeatureRequestFactory()
    duplicate = FeatureRequestFactory(duplicate_of=survivor, status=Status.DUPLICATE)

    assert (
        add_demand(duplicate.number, customers=1, weight=1.0, criticality="low", at=timezone.now())
        is None
    )
    duplicate.refresh_from_db()
    assert duplicate.mention_count == 0


def test_get_or_insert_makes_the_row_once_then_finds_it():
    made, created = get_or_insert(
        Account(external_id="acme.example", name="Acme", plan=Plan.BASIC), unique="external_id"
    )
    found, created_again = get_or_insert(
        Account(external_id="acme.example", name="Other", plan=Plan.FREE), unique="external_id"
    )

    assert (created, created_again) == (True, False)
    assert found.pk == made.pk and not found._state.adding
    assert (found.name, found.plan, found.created_at) == ("Acme", Plan.BASIC, made.created_at)
    assert Account.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_mark_delivered_looks_its_row_up_by_key_when_the_statistics_saw_an_empty_outbox():
    thread = ThreadFactory()
    request = FeatureRequestFactory()
    facts = Notification(request=request, event=Event.STATUS_CHANGED, status=Status.ACCEPTED)
    # A history of delivered notifications, analyzed while none was owed ...
    insert_for_each(facts, field="thread", ids=[thread.pk] * 2000)
    Notification.objects.update(state=DeliveryState.DELIVERED, delivered_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_notification")
    # ... then a status change fanning out.
    insert_for_each(facts, field="thread", ids=[thread.pk] * 3000)
    first = Notification.objects.filter(state=DeliveryState.PENDING).order_by("id").first()
    assert first is not None

    with CaptureQueriesContext(connection) as queries:
        assert mark_delivered(first.pk) is True
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tracker_notification_pkey" in plan, plan

    assert Notification.objects.get(pk=first.pk).state == DeliveryState.DELIVERED
    assert mark_delivered(first.pk) is False  # delivered already: nothing changes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a session to terminate")
# Serialized rollback restores what the flush after a transactional test removes (the
# content types, which a later test would otherwise make again and collide with).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mark_delivered_on_a_lost_connection_raises_djangos_operational_error():
    # The worker waits for its database on Django's OperationalError; psycopg's own, or a
    # DatabaseError, would end it instead.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    try:
        with pytest.raises(OperationalError):
            mark_delivered(1)
    finally:
        connection.close()
