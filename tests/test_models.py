"""The database's own invariants, and the reads every layer shares (FeatureRequestQuerySet)."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from tests.factories import ChannelFactory, FeatureRequestFactory, UserFactory, log_intake
from tracker import services
from tracker.choices import Criticality, Status
from tracker.models import (
    Account,
    Channel,
    Decision,
    FeatureRequest,
    Mention,
    Notification,
    StatusChange,
    Thread,
)

pytestmark = pytest.mark.django_db


# --- a check constraint for every enumerated column -------------------------------------

# (model, column, blank allowed, other columns written with the wrong value so that only
# this constraint is broken)
ENUMERATED = [
    (Account, "plan", False, {}),
    (Channel, "kind", False, {}),
    (Thread, "language", False, {}),
    (FeatureRequest, "kind", False, {}),
    (FeatureRequest, "status", False, {}),
    (FeatureRequest, "priority", False, {}),
    (FeatureRequest, "decline_reason", True, {"status": Status.DECLINED}),
    (FeatureRequest, "criticality", True, {}),
    (FeatureRequest, "mention_criticality", False, {}),
    (Mention, "criticality", False, {}),
    (StatusChange, "from_status", True, {}),
    (StatusChange, "to_status", False, {}),
    (StatusChange, "reason", True, {}),
    (Notification, "event", False, {}),
    (Notification, "status", False, {}),
    (Notification, "reason", True, {}),
    (Notification, "state", False, {"cancel_reason": "a person gave up on it"}),
]
PREFIX = {
    Account: "account",
    Channel: "channel",
    Thread: "thread",
    FeatureRequest: "request",
    Mention: "mention",
    StatusChange: "history",
    Notification: "notification",
}


@pytest.fixture
def one_of_each(channel):
    """A request logged through the services: an account, thread, mention, history row
    and notification come with it."""
    log_intake(title="Export deals to XLSX")
    for model in PREFIX:
        assert model.objects.count() == 1


@pytest.mark.parametrize(("model", "column", "blank", "alongside"), ENUMERATED)
def test_an_unknown_value_is_refused_by_the_database(one_of_each, model, column, blank, alongside):
    constraint = f"{PREFIX[model]}_{column}_valid"

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        model.objects.update(**{column: "zz", **alongside})  # short enough for any column


@pytest.mark.parametrize(("model", "column", "blank", "alongside"), ENUMERATED)
def test_a_blank_value_is_refused_unless_the_column_allows_it(
    one_of_each, model, column, blank, alongside
):
    if blank:
        with transaction.atomic():
            model.objects.update(**{column: ""})
        assert list(model.objects.values_list(column, flat=True)) == [""]
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.update(**{column: ""})


@pytest.mark.parametrize(("model", "column", "blank", "alongside"), ENUMERATED)
def test_every_known_value_is_accepted(one_of_each, model, column, blank, alongside):
    values = [value for value, _label in model._meta.get_field(column).choices]
    if (model, column) == (FeatureRequest, "status"):
        # Each needs a reason or a survivor too, which their own constraints check.
        values = [value for value in values if value not in (Status.DECLINED, Status.DUPLICATE)]
    for value in values:
        with transaction.atomic():
            model.objects.update(**{column: value, **alongside})
        assert list(model.objects.values_list(column, flat=True)) == [value]


# --- what the outbox's columns without a database constraint still keep ------------------
# Notification.request, .note and .cancelled_by have no foreign-key constraint (the fan-out's
# cost, tracker/models.py): Django's collector applies their on_delete, so no notification
# is left naming a row that is gone.


def test_deleting_a_request_deletes_its_notifications(channel):
    request = log_intake(title="Export deals to XLSX")
    other = log_intake(title="Dark mode")

    request.delete()

    assert list(Notification.objects.values_list("request_id", flat=True)) == [other.number]


def test_deleting_a_decision_or_a_user_leaves_the_notification_without_them(channel):
    request = log_intake(title="Export deals to XLSX")
    manager = UserFactory()
    services.request_transition(
        number=request.number, status=Status.ACCEPTED, public_note="It is in the queue.", by=manager
    )
    told = Notification.objects.get(status=Status.ACCEPTED)
    Notification.objects.filter(pk=told.pk).update(cancelled_by=manager)
    assert told.note_id is not None

    StatusChange.objects.filter(pk=told.note_id).delete()
    manager.delete()

    told.refresh_from_db()
    assert (told.note_id, told.cancelled_by_id) == (None, None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_adding_the_constraints_never_gives_a_number_twice():
    """SQLite rebuilds a table to add a constraint, which would restart its counter."""
    call_command("migrate", "tracker", "0004", verbosity=0)
    # The model as it was at 0004: today's has columns that later migrations add.
    state = MigrationLoader(connection).project_state(("tracker", "0004_created_at_defaults"))
    then = state.apps.get_model("tracker", "FeatureRequest")
    kept = then.objects.create(title="Kept")
    then.objects.create(title="Deleted").delete()

    call_command("migrate", "tracker", verbosity=0)
    new = FeatureRequest.objects.create(title="New")

    assert kept.number >= 1001
    assert new.number == kept.number + 2


# --- raised_where ------------------------------------------------------------------------


@pytest.fixture
def raised(db):
    """`xlsx` raised in Bitrix24 by a free account in Russian (twice); `dark` in the webhook
    channel in Japanese; `calendar` by an enterprise account, and `sync`, merged into
    `calendar`, in Bitrix24 in Russian."""
    ChannelFactory(slug="hooks-main"), ChannelFactory(slug="b24-main")
    xlsx = log_intake(
        channel="b24-main", title="XLSX", account="a.example", ref="a1", plan="free", language="ru"
    )
    log_intake(
        channel="b24-main",
        number=xlsx.number,
        account="b.example",
        ref="b1",
        plan="free",
        language="ru",
    )
    dark = log_intake(
        channel="hooks-main", title="Dark mode", account="c.example", ref="c1", language="ja"
    )
    calendar = log_intake(
        channel="hooks-main", title="Calendar", account="d.example", ref="d1", plan="enterprise"
    )
    sync = log_intake(
        channel="b24-main", title="Sync", account="e.example", ref="e1", language="ru", plan="basic"
    )
    services.request_merge(number=sync.number, into=calendar.number)
    return {
        "xlsx": xlsx.number,
        "dark": dark.number,
        "calendar": calendar.number,
        "sync": sync.number,
    }


@pytest.mark.parametrize(
    ("lookups", "expected"),
    [
        ({"channel__slug": "b24-main"}, ["xlsx", "calendar", "sync"]),
        ({"channel__slug": "hooks-main"}, ["dark", "calendar"]),
        ({"channel__slug": "elsewhere"}, []),
        ({"language": "ja"}, ["dark"]),
        ({"language": "ru"}, ["xlsx", "calendar", "sync"]),
        ({"account__plan": "free"}, ["xlsx"]),
        ({"account__plan": "basic"}, ["calendar", "sync"]),
        ({"account__plan": "enterprise"}, ["calendar"]),
        ({"account__external_id": "e.example"}, ["calendar", "sync"]),
        ({"language": "ru", "account__plan": "free"}, ["xlsx"]),
        ({"language": "ja", "account__plan": "free"}, []),
    ],
)
def test_raised_where_finds_requests_raised_directly_or_through_a_merged_one(
    raised, lookups, expected
):
    found = list(FeatureRequest.objects.raised_where(**lookups).values_list("number", flat=True))

    assert sorted(found) == sorted(raised[name] for name in expected)


def test_raised_where_chains_with_other_reads(raised):
    found = FeatureRequest.objects.canonical().raised_where(language="ru").ranked()

    assert sorted(r.number for r in found) == sorted([raised["xlsx"], raised["calendar"]])


# --- with_effective_criticality -----------------------------------------------------------


@pytest.fixture
def every_criticality(db):
    """One request for each pair of product managers' setting (or none) and customers'
    highest."""
    for own in ["", *Criticality.values]:
        for customers in Criticality.values:
            FeatureRequestFactory(criticality=own, mention_criticality=customers)
    return list(FeatureRequest.objects.all())


@pytest.mark.parametrize(
    "levels",
    [
        ("low",),
        ("normal",),
        ("high",),
        ("critical",),
        ("high", "critical"),
        ("low", "normal", "high", "critical"),
        ("",),
        (),
    ],
)
def test_with_effective_criticality_agrees_with_the_property(every_criticality, levels):
    found = FeatureRequest.objects.with_effective_criticality(*levels)

    assert sorted(r.number for r in found) == sorted(
        r.number for r in every_criticality if r.effective_criticality in levels
    )


@pytest.mark.parametrize(
    ("own", "customers", "effective"),
    [
        ("", "low", "low"),
        ("", "critical", "critical"),
        ("low", "critical", "low"),
        ("critical", "normal", "critical"),
    ],
)
def test_product_managers_setting_wins_over_the_customers_highest(own, customers, effective):
    request = FeatureRequestFactory(criticality=own, mention_criticality=customers)

    assert request.effective_criticality == effective
    assert list(FeatureRequest.objects.with_effective_criticality(effective)) == [request]


# --- search ------------------------------------------------------------------------------


@pytest.fixture
def searchable(channel):
    xlsx = log_intake(title="Export deals to XLSX", quote="нужна выгрузка в Excel", ref="a1")
    dark = log_intake(title="Dark mode", description="Night shift operators", account="b", ref="b1")
    old = log_intake(title="Calendar export", quote="サイボウズと同期したい", account="c", ref="c1")
    calendar = log_intake(title="Google calendar sync", account="d.example", ref="d1")
    services.request_merge(number=old.number, into=calendar.number)
    return {
        "xlsx": xlsx.number,
        "dark": dark.number,
        "old": old.number,
        "calendar": calendar.number,
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("XLSX", ["xlsx"]),
        ("xlsx", ["xlsx"]),
        ("  deals  ", ["xlsx"]),
        ("export", ["xlsx", "old"]),
        ("night SHIFT", ["dark"]),
        ("выгрузка", ["xlsx"]),
        ("サイボウズ", ["old", "calendar"]),
        ("nothing like this", []),
        ("9" * 19, []),
        ("9" * 5_000, []),
        ("²", []),
        ("#", []),
    ],
)
def test_search_looks_in_title_description_and_customers_words(searchable, term, expected):
    found = FeatureRequest.objects.search(term).values_list("number", flat=True)

    assert sorted(found) == sorted(searchable[name] for name in expected)


@pytest.mark.parametrize("typed", ["{n}", "#{n}", " #{n} "])
def test_search_finds_a_request_by_its_number(searchable, typed):
    number = searchable["dark"]

    found = FeatureRequest.objects.search(typed.format(n=number))

    assert [r.number for r in found] == [number]


@pytest.mark.parametrize("term", ["", "   "])
def test_an_empty_search_leaves_the_requests_as_they_are(searchable, term):
    assert FeatureRequest.objects.search(term).count() == 4


def test_a_request_matching_several_quotes_is_found_once(searchable, channel):
    log_intake(number=searchable["xlsx"], account="e.example", ref="e1", quote="выгрузка снова")

    assert [r.number for r in FeatureRequest.objects.search("выгрузка")] == [searchable["xlsx"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_decision_log_begins_with_the_status_changes_made_before_it():
    call_command("migrate", "tracker", "0005", verbosity=0)
    pm = UserFactory(username="pm-before")
    # The models as they were at 0005: today's have columns that later migrations add.
    state = MigrationLoader(connection).project_state(("tracker", "0005_choices_constraints"))
    then_request = state.apps.get_model("tracker", "FeatureRequest")
    then_change = state.apps.get_model("tracker", "StatusChange")
    accepted = then_request.objects.create(title="Accepted", status="accepted")
    merged = then_request.objects.create(title="Merged", status="duplicate", duplicate_of=accepted)
    then_change.objects.create(request=accepted, to_status="under_review")  # registered
    then_change.objects.create(
        request=accepted, from_status="under_review", to_status="accepted", changed_by_id=pm.pk
    )
    then_change.objects.create(request=merged, from_status="under_review", to_status="duplicate")

    call_command("migrate", "tracker", verbosity=0)

    rows = Decision.objects.order_by("at", "id").values_list(
        "request_id", "kind", "field", "old", "new", "by__username"
    )
    assert list(rows) == [
        (accepted.number, "status", "status", "under_review", "accepted", "pm-before"),
        (merged.number, "merge", "status", "under_review", "duplicate", None),
    ]
