import pytest

from tests.factories import AccountFactory, ThreadFactory, UserFactory, log_in_thread
from tracker import services
from tracker.choices import Event, Status
from tracker.errors import (
    IncompleteReport,
    MergeNotAllowed,
    NotFound,
    TrackerError,
    TransitionNotAllowed,
)
from tracker.models import (
    Account,
    Decision,
    FeatureRequest,
    Mention,
    Notification,
    StatusChange,
    Thread,
)
from tracker.services import AccountData, DefectReport, ThreadData

pytestmark = pytest.mark.django_db

COMPLETE_REPORT = DefectReport(
    steps="Open a deal, press Export",
    started_how="By hand from the deal list",
    expected="An XLSX file",
    actual="An empty CSV",
    attachments=["https://files.example.com/shot.png"],
)


def intake(account="acme.bitrix24.com", ref="chat1", plan="professional", language="en", **kw):
    kw.setdefault("title", "" if "request_number" in kw else "Export deals to XLSX")
    return services.intake_log(
        account=AccountData(external_id=account, name=account, plan=plan),
        thread=ThreadData(channel="hooks-main", ref=ref, language=language),
        **kw,
    )


def refreshed(number):
    return FeatureRequest.objects.get(number=number)


# --- intake -------------------------------------------------------------------------------


def test_it_logs_a_new_request_with_its_account_thread_and_mention(channel):
    agent = UserFactory()
    result = intake(language="ru", quote="Нужна выгрузка", criticality="high", logged_by=agent)

    assert result.request_created and result.mention_created
    request = refreshed(result.request.number)
    assert request.number >= 1001
    assert (request.status, request.customer_count, request.mention_count) == (
        Status.UNDER_REVIEW,
        1,
        1,
    )
    assert request.demand_weight == 2.0  # professional
    assert request.effective_criticality == "high"
    assert request.score == request.ranking().score > 0
    thread = Thread.objects.get(ref="chat1")
    assert (thread.language, thread.account.external_id) == ("ru", "acme.bitrix24.com")
    mention = Mention.objects.get()
    assert (mention.quote, mention.logged_by, mention.criticality) == (
        "Нужна выгрузка",
        agent,
        "high",
    )
    assert list(StatusChange.objects.values_list("to_status", flat=True)) == [Status.UNDER_REVIEW]
    assert list(Notification.objects.values_list("event", "thread__ref")) == [
        (Event.REGISTERED, "chat1")
    ]


def test_the_same_call_twice_leaves_one_request_and_one_mention(channel):
    first = intake()
    second = intake()

    assert second.request.number == first.request.number
    assert not second.request_created and not second.mention_created
    assert Mention.objects.count() == 1
    assert Notification.objects.count() == 1
    assert refreshed(first.request.number).mention_count == 1


def test_attaching_the_same_thread_twice_leaves_one_mention(channel):
    number = intake(ref="chat1").request.number
    intake(ref="chat2", account="other.com", request_number=number)
    again = intake(ref="chat2", account="other.com", request_number=number)

    assert not again.mention_created
    request = refreshed(number)
    assert (request.mention_count, request.customer_count) == (2, 2)
    assert Notification.objects.filter(event=Event.ATTACHED).count() == 1


def test_a_second_thread_of_the_same_account_adds_a_mention_but_not_a_customer(channel):
    number = intake(ref="chat1").request.number
    intake(ref="chat2", request_number=number)

    request = refreshed(number)
    assert (request.mention_count, request.customer_count, request.demand_weight) == (2, 1, 2.0)


def test_distinct_accounts_count_with_their_plan_weight(channel):
    number = intake(ref="chat1", plan="free").request.number
    intake(ref="chat2", account="big.com", plan="enterprise", request_number=number)

    request = refreshed(number)
    assert request.customer_count == 2
    assert request.demand_weight == 0.5 + 3.0


def test_more_distinct_customers_rank_higher_all_else_equal(channel):
    popular = intake(ref="a1", title="Popular").request.number
    intake(ref="b1", account="b.com", request_number=popular)
    lonely = intake(ref="c1", account="c.com", title="Lonely").request.number

    ranked = list(FeatureRequest.objects.ranked().values_list("number", flat=True))
    assert ranked == [popular, lonely]


def test_attaching_to_a_merged_request_attaches_to_the_survivor(channel):
    survivor = intake(ref="chat1", title="Kanban board").request.number
    duplicate = intake(ref="chat2", account="b.com", title="Kanban view").request.number
    services.request_merge(number=duplicate, into=survivor)

    result = intake(ref="chat3", account="c.com", request_number=duplicate)

    assert result.request.number == survivor
    assert result.redirected_from == duplicate
    assert Mention.objects.get(thread__ref="chat3").request_id == survivor
    assert refreshed(survivor).customer_count == 3


def test_it_refuses_a_thread_that_belongs_to_another_account(channel):
    intake(ref="chat1", account="a.com")
    with pytest.raises(TrackerError) as error:
        intake(ref="chat1", account="b.com", title="Something else")
    assert error.value.field == "thread.ref"


def test_it_refuses_an_unknown_channel_and_keeps_nothing(db):
    with pytest.raises(NotFound) as error:
        intake()
    assert error.value.field == "thread.channel"
    assert not Account.objects.exists()


def test_it_refuses_an_unsupported_language(channel):
    with pytest.raises(TrackerError) as error:
        intake(language="de")
    assert error.value.field == "thread.language"


@pytest.mark.parametrize("kwargs", [{"title": ""}, {"title": "A", "request_number": 1001}])
def test_it_needs_either_a_title_or_a_request_number(channel, kwargs):
    with pytest.raises(TrackerError):
        intake(**kwargs)


def test_attaching_to_an_unknown_number_is_not_found(channel):
    with pytest.raises(NotFound) as error:
        intake(request_number=999_999)
    assert error.value.field == "request_number"


def test_an_incomplete_defect_report_is_refused_listing_everything_missing(channel):
    with pytest.raises(IncompleteReport) as error:
        intake(kind="defect", report=DefectReport(steps="Open a deal", attachments=[" "]))

    assert error.value.missing == ["started_how", "expected", "actual", "attachments"]
    assert "started_how" in error.value.message
    # The whole intake rolled back: no account, thread, request or notification remains.
    assert not Account.objects.exists()
    assert not Thread.objects.exists()
    assert not FeatureRequest.objects.exists()
    assert not Notification.objects.exists()


def test_a_complete_defect_report_is_kept_on_the_mention(channel):
    result = intake(kind="defect", report=COMPLETE_REPORT)

    assert result.request.kind == "defect"
    mention = Mention.objects.get()
    assert mention.expected == "An XLSX file"
    assert mention.attachments == ["https://files.example.com/shot.png"]


def test_a_changed_plan_reweighs_the_requests_the_account_raised(channel):
    number = intake(plan="free").request.number
    assert refreshed(number).demand_weight == 0.5

    intake(plan="enterprise", ref="chat2", title="Something else")

    request = refreshed(number)
    assert request.demand_weight == 3.0
    assert request.score == request.ranking().score


# --- criticality and priority ---------------------------------------------------------------


def test_the_effective_criticality_is_the_highest_any_mention_gave(channel):
    number = intake(ref="chat1", criticality="low").request.number
    intake(ref="chat2", account="b.com", request_number=number, criticality="critical")
    intake(ref="chat3", account="c.com", request_number=number, criticality="normal")

    assert refreshed(number).effective_criticality == "critical"


def test_the_product_managers_criticality_overrides_the_customers(channel, product_manager):
    number = intake(criticality="critical").request.number
    before = refreshed(number).score

    services.request_set_criticality(number=number, criticality="low", by=product_manager)
    request = refreshed(number)
    assert (request.effective_criticality, request.score < before) == ("low", True)

    services.request_set_criticality(number=number, criticality="", by=product_manager)
    assert refreshed(number).effective_criticality == "critical"
    assert refreshed(number).score == before


def test_a_higher_priority_raises_the_score(channel, product_manager):
    number = intake().request.number
    before = refreshed(number).score

    services.request_set_priority(number=number, priority="p1", by=product_manager)

    assert refreshed(number).priority == "p1"
    assert refreshed(number).score > before


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda n: services.request_set_priority(number=n, priority="p9"), "priority"),
        (lambda n: services.request_set_criticality(number=n, criticality="meh"), "criticality"),
    ],
)
def test_unknown_priority_and_criticality_values_are_refused(channel, call, field):
    number = intake().request.number
    with pytest.raises(TrackerError) as error:
        call(number)
    assert error.value.field == field


# --- transitions ------------------------------------------------------------------------------

ALLOWED = {
    ("under_review", "accepted"),
    ("under_review", "declined"),
    ("accepted", "in_progress"),
    ("accepted", "under_review"),
    ("accepted", "declined"),
    ("in_progress", "done"),
    ("in_progress", "accepted"),
    ("in_progress", "declined"),
    ("done", "in_progress"),
    ("declined", "under_review"),
}
# How to bring a fresh request into each starting status through allowed steps.
PATHS = {
    "under_review": [],
    "accepted": ["accepted"],
    "in_progress": ["accepted", "in_progress"],
    "done": ["accepted", "in_progress", "done"],
    "declined": ["declined"],
}


def bring_to(number, status):
    for step in PATHS[status]:
        reason = "not_planned" if step == "declined" else ""
        services.request_transition(number=number, status=step, reason=reason)


@pytest.mark.parametrize(
    ("start", "target"),
    sorted(
        (start, target)
        for start in PATHS
        for target in Status.values
        if (start, target) not in ALLOWED and target != "duplicate"
    ),
)
def test_a_forbidden_transition_is_refused(channel, start, target):
    number = intake().request.number
    bring_to(number, start)
    with pytest.raises(TransitionNotAllowed) as error:
        services.request_transition(
            number=number, status=target, reason="not_planned" if target == "declined" else ""
        )
    assert error.value.field == "status"
    assert refreshed(number).status == start


@pytest.mark.parametrize(("start", "target"), sorted(ALLOWED))
def test_an_allowed_transition_changes_the_status_and_writes_history(channel, start, target):
    number = intake().request.number
    bring_to(number, start)
    reason = "partner_work" if target == "declined" else ""

    services.request_transition(number=number, status=target, reason=reason, public_note="Noted.")

    request = refreshed(number)
    assert (request.status, request.decline_reason) == (target, reason)
    last = StatusChange.objects.filter(request_id=number).last()
    assert (last.from_status, last.to_status, last.public_note) == (start, target, "Noted.")


def test_becoming_a_duplicate_is_only_possible_by_merging(channel):
    number = intake().request.number
    with pytest.raises(TransitionNotAllowed):
        services.request_transition(number=number, status="duplicate")


def test_a_duplicate_can_not_change_status(channel):
    survivor = intake(ref="chat1", title="A").request.number
    duplicate = intake(ref="chat2", title="B").request.number
    services.request_merge(number=duplicate, into=survivor)
    with pytest.raises(TransitionNotAllowed):
        services.request_transition(number=duplicate, status="accepted")


def test_declining_needs_a_known_reason(channel):
    number = intake().request.number
    for reason in ["", "because"]:
        with pytest.raises(TrackerError) as error:
            services.request_transition(number=number, status="declined", reason=reason)
        assert error.value.field == "reason"
    assert refreshed(number).status == "under_review"


def test_a_reason_is_refused_when_not_declining(channel):
    number = intake().request.number
    with pytest.raises(TrackerError) as error:
        services.request_transition(number=number, status="accepted", reason="not_planned")
    assert error.value.field == "reason"


def test_an_unknown_status_is_refused(channel):
    number = intake().request.number
    with pytest.raises(TrackerError) as error:
        services.request_transition(number=number, status="shipped")
    assert error.value.field == "status"


def test_transitioning_an_unknown_request_is_not_found(db):
    with pytest.raises(NotFound):
        services.request_transition(number=424242, status="accepted")


def test_a_status_change_notifies_every_thread_including_merged_ones(channel, product_manager):
    survivor = intake(ref="chat1", title="Kanban").request.number
    intake(ref="chat2", account="b.com", request_number=survivor)
    duplicate = intake(ref="chat3", account="c.com", title="Kanban board").request.number
    intake(ref="chat1", request_number=duplicate)  # the same thread raised both
    services.request_merge(number=duplicate, into=survivor)
    Notification.objects.all().delete()

    services.request_transition(
        number=survivor, status="accepted", public_note="Planned.", by=product_manager
    )

    sent = Notification.objects.filter(event=Event.STATUS_CHANGED)
    assert sorted(sent.values_list("thread__ref", flat=True)) == ["chat1", "chat2", "chat3"]
    assert set(sent.values_list("request_id", "status", "public_note")) == {
        (survivor, "accepted", "Planned.")
    }


def test_an_overlong_public_note_is_refused(channel):
    number = intake().request.number
    with pytest.raises(TrackerError) as error:
        services.request_transition(number=number, status="accepted", public_note="x" * 2001)
    assert error.value.field == "public_note"
    assert not StatusChange.objects.filter(request_id=number, to_status="accepted").exists()


# --- merging -----------------------------------------------------------------------------------


def test_a_merged_duplicates_customers_count_once_each_for_the_survivor(channel):
    survivor = intake(ref="a1", account="a.com", title="Dark mode").request.number
    intake(ref="b1", account="b.com", request_number=survivor)
    duplicate = intake(ref="b2", account="b.com", title="Night theme").request.number
    intake(ref="c1", account="c.com", plan="enterprise", request_number=duplicate)

    services.request_merge(number=duplicate, into=survivor)

    request = refreshed(survivor)
    assert request.customer_count == 3  # a, b (both sides), c
    assert request.demand_weight == 2.0 + 2.0 + 3.0
    assert request.mention_count == 4
    assert request.score == request.ranking().score
    # Recounting from scratch agrees with what the merge computed incrementally.
    assert services.requests_recount(numbers=[survivor]) == 0


def test_the_duplicate_stays_findable_by_its_number(channel, product_manager):
    survivor = intake(ref="a1", title="Dark mode").request.number
    duplicate = intake(ref="b1", account="b.com", title="Night theme").request.number

    services.request_merge(number=duplicate, into=survivor, by=product_manager)

    merged = refreshed(duplicate)
    assert (merged.status, merged.duplicate_of_id) == ("duplicate", survivor)
    assert merged.history.last().to_status == "duplicate"
    notice = Notification.objects.get(event=Event.MERGED)
    assert (notice.thread.ref, notice.request_id, notice.merged_from) == ("b1", survivor, duplicate)


def test_merging_a_request_that_has_duplicates_moves_them_to_the_survivor(channel):
    first = intake(ref="a1", title="One").request.number
    second = intake(ref="b1", account="b.com", title="Two").request.number
    third = intake(ref="c1", account="c.com", title="Three").request.number
    services.request_merge(number=first, into=second)

    services.request_merge(number=second, into=third)

    assert refreshed(first).duplicate_of_id == third
    assert refreshed(third).customer_count == 3
    merged_threads = Notification.objects.filter(event=Event.MERGED, merged_from=second)
    assert sorted(merged_threads.values_list("thread__ref", flat=True)) == ["a1", "b1"]


@pytest.mark.parametrize(
    ("setup", "field"),
    [
        ("self", "into"),
        ("already_merged", "number"),
        ("into_declined", "into"),
        ("into_duplicate", "into"),
    ],
)
def test_a_merge_that_makes_no_sense_is_refused(channel, setup, field):
    a = intake(ref="a1", title="A").request.number
    b = intake(ref="b1", title="B").request.number
    c = intake(ref="c1", title="C").request.number
    number, into = a, b
    if setup == "self":
        into = a
    elif setup == "already_merged":
        services.request_merge(number=a, into=c)
    elif setup == "into_declined":
        services.request_transition(number=b, status="declined", reason="not_planned")
    elif setup == "into_duplicate":
        services.request_merge(number=b, into=c)

    with pytest.raises(MergeNotAllowed) as error:
        services.request_merge(number=number, into=into)
    assert error.value.field == field


def test_merging_into_an_unknown_request_is_not_found(channel):
    number = intake().request.number
    with pytest.raises(NotFound) as error:
        services.request_merge(number=number, into=999_999)
    assert error.value.field == "into"


def test_merging_several_merges_each_into_the_one_kept(channel, product_manager):
    kept = intake(ref="a1", account="a.com", title="Dark mode").request.number
    first = intake(ref="b1", account="b.com", title="Night theme").request.number
    second = intake(ref="c1", account="c.com", title="Dark UI").request.number

    outcome = services.request_merge_many(
        numbers=[second, kept, first], into=kept, public_note="One request.", by=product_manager
    )

    assert (outcome.into, outcome.merged, dict(outcome.refused)) == (kept, (second, first), {})
    assert {refreshed(n).duplicate_of_id for n in (first, second)} == {kept}
    assert refreshed(kept).customer_count == 3
    notices = Notification.objects.filter(event=Event.MERGED)
    assert sorted(notices.values_list("merged_from", "public_note")) == sorted(
        [(first, "One request."), (second, "One request.")]
    )


def test_merging_several_keeps_what_merged_when_one_is_refused(channel):
    kept = intake(ref="a1", title="A").request.number
    elsewhere = intake(ref="b1", title="B").request.number
    taken = intake(ref="c1", title="C").request.number
    fine = intake(ref="d1", title="D").request.number
    services.request_merge(number=taken, into=elsewhere)

    outcome = services.request_merge_many(numbers=[taken, fine], into=kept)

    assert outcome.merged == (fine,)
    assert list(outcome.refused) == [taken]
    assert isinstance(outcome.refused[taken], MergeNotAllowed)
    assert f"already merged into {elsewhere}" in outcome.refused[taken].message
    assert (refreshed(fine).duplicate_of_id, refreshed(taken).duplicate_of_id) == (kept, elsewhere)


def test_merging_several_into_a_declined_request_refuses_each(channel):
    kept = intake(ref="a1", title="A").request.number
    others = [intake(ref=f"b{i}", title=f"B{i}").request.number for i in range(2)]
    services.request_transition(number=kept, status="declined", reason="not_planned")

    outcome = services.request_merge_many(numbers=others, into=kept)

    assert outcome.merged == ()
    assert sorted(outcome.refused) == sorted(others)
    assert all(
        "merge into an open or done request" in error.message for error in outcome.refused.values()
    )
    assert {refreshed(n).status for n in others} == {"under_review"}


@pytest.mark.parametrize(
    ("numbers", "into", "error"),
    [
        ("others", 999_999, NotFound),  # the one to keep does not exist
        ("itself", None, MergeNotAllowed),  # nothing but the one to keep
    ],
)
def test_a_merge_of_several_that_makes_no_sense_as_a_whole_is_refused(
    channel, numbers, into, error
):
    kept = intake(ref="a1", title="A").request.number
    other = intake(ref="b1", title="B").request.number
    into = into or kept
    numbers = [kept, other] if numbers == "others" else [kept]

    with pytest.raises(error) as raised:
        services.request_merge_many(numbers=numbers, into=into)
    with pytest.raises(error):
        services.request_merge_target(numbers=numbers, into=into)

    assert raised.value.field == "into"
    assert not FeatureRequest.objects.filter(status="duplicate").exists()


def test_the_merge_target_is_the_request_to_keep(channel):
    kept = intake(ref="a1", title="A").request.number
    other = intake(ref="b1", title="B").request.number

    assert services.request_merge_target(numbers=[kept, other], into=kept).number == kept


# --- recounting ----------------------------------------------------------------------------


def test_the_mentions_of_a_family_are_those_of_the_request_and_its_duplicates(channel):
    kept = intake(ref="a1", account="a.com", title="Dark mode").request.number
    intake(ref="b1", account="b.com", request_number=kept)
    duplicate = intake(ref="c1", account="c.com", title="Night theme").request.number
    apart = intake(ref="d1", account="d.com", title="Kanban").request.number
    services.request_merge(number=duplicate, into=kept)

    family = Mention.objects.of_family(kept)

    assert sorted(family.values_list("thread__ref", flat=True)) == ["a1", "b1", "c1"]
    assert list(
        family.filter(thread__account__external_id="c.com").values_list("request_id", flat=True)
    ) == [duplicate]
    assert sorted(
        Mention.objects.of_requests([duplicate, apart]).values_list("thread__ref", flat=True)
    ) == ["c1", "d1"]


def test_recount_rebuilds_figures_with_new_plan_weights(channel, settings):
    number = intake(ref="a1", plan="free").request.number
    intake(ref="b1", account="b.com", plan="enterprise", request_number=number)
    settings.TRACKER_PLAN_WEIGHTS = {"free": 1, "enterprise": 10}

    assert services.requests_recount(numbers=[number]) == 1

    request = refreshed(number)
    assert request.demand_weight == 11
    assert request.score == request.ranking().score


def test_recount_repairs_figures_written_by_hand(channel):
    number = intake(ref="a1").request.number
    AccountFactory(external_id="b.com")
    FeatureRequest.objects.filter(number=number).update(customer_count=40, mention_count=0)

    services.requests_recount(numbers=[number])

    request = refreshed(number)
    assert (request.customer_count, request.mention_count) == (1, 1)


def test_a_thread_factory_thread_can_be_logged_through_intake_log(channel):
    thread = ThreadFactory(channel=channel)
    result = log_in_thread(thread, title="  Many   spaces  ")
    assert result.request.title == "Many spaces"


# --- the account's plan ----------------------------------------------------------------------


def test_an_intake_that_leaves_the_plan_out_keeps_the_accounts(channel):
    number = intake(plan="enterprise").request.number

    services.intake_log(
        account=AccountData(external_id="acme.bitrix24.com"),
        thread=ThreadData(channel="hooks-main", ref="chat2"),
        request_number=number,
    )

    assert Account.objects.get().plan == "enterprise"
    assert refreshed(number).demand_weight == 3.0


def test_the_default_plan_must_be_a_plan(channel, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TRACKER_DEFAULT_PLAN = "gold"
    with pytest.raises(ImproperlyConfigured):
        services.account_upsert(data=AccountData(external_id="new.example.com"))


# --- the decision log ------------------------------------------------------------------------


def decisions(number=None, **filters):
    rows = Decision.objects.filter(**filters)
    if number is not None:
        rows = rows.filter(request_id=number)
    return [(d.kind, d.field, d.old, d.new, d.by) for d in rows.order_by("at", "id")]


def test_a_status_change_is_on_record_with_who_and_both_values(channel, product_manager):
    number = intake().request.number

    services.request_transition(number=number, status="accepted", by=product_manager)
    services.request_transition(
        number=number, status="declined", reason="partner_work", by=product_manager
    )

    assert decisions(number) == [
        ("status", "status", "under_review", "accepted", product_manager),
        ("status", "status", "accepted", "declined", product_manager),
        ("status", "decline_reason", "", "partner_work", product_manager),
    ]
    assert all(d.at is not None for d in Decision.objects.all())


def test_priority_and_criticality_are_on_record(channel, product_manager):
    number = intake().request.number

    services.request_set_priority(number=number, priority="p1", by=product_manager)
    services.request_set_criticality(number=number, criticality="critical", by=product_manager)
    services.request_set_criticality(number=number, criticality="", by=product_manager)

    assert decisions(number) == [
        ("priority", "priority", "none", "p1", product_manager),
        ("criticality", "criticality", "", "critical", product_manager),
        ("criticality", "criticality", "critical", "", product_manager),
    ]


def test_a_wording_edit_is_on_record_field_by_field(channel, product_manager):
    number = intake(title="Export deals").request.number

    services.request_edit(
        number=number,
        title="Export deals to XLSX",
        description="",
        kind="suggestion",
        by=product_manager,
    )

    assert decisions(number) == [
        ("wording", "title", "Export deals", "Export deals to XLSX", product_manager)
    ]


def test_a_merge_is_on_record_for_every_request_it_changed(channel, product_manager):
    first = intake(ref="a1", title="One").request.number
    second = intake(ref="b1", account="b.com", title="Two").request.number
    third = intake(ref="c1", account="c.com", title="Three").request.number
    services.request_merge(number=first, into=second, by=product_manager)
    Decision.objects.all().delete()

    services.request_merge(number=second, into=third, by=product_manager)

    pm = product_manager
    assert decisions(second) == [
        ("merge", "status", "under_review", "duplicate", pm),
        ("merge", "duplicate_of", "", str(third), pm),
    ]
    # What was merged into the duplicate moved to the survivor.
    assert decisions(first) == [("merge", "duplicate_of", str(second), str(third), pm)]
    assert decisions(third) == [("merge", "duplicates", "", f"{first},{second}", pm)]


def test_a_plan_change_is_on_record_for_the_account(channel, product_manager):
    intake(plan="free")

    services.account_upsert(
        data=AccountData(external_id="acme.bitrix24.com", plan="basic"), by=product_manager
    )

    account = Account.objects.get()
    assert decisions(account=account) == [("plan", "plan", "free", "basic", product_manager)]


def test_a_decision_that_changes_nothing_leaves_no_row(channel, product_manager):
    number = intake(plan="free").request.number

    services.request_set_priority(number=number, priority="none", by=product_manager)
    services.request_set_criticality(number=number, criticality="", by=product_manager)
    services.request_edit(
        number=number, title="Export deals to XLSX", description="", kind="suggestion"
    )
    intake(plan="free", ref="chat2", request_number=number)

    assert not Decision.objects.exists()


def test_a_refused_decision_leaves_no_row(channel, product_manager):
    number = intake().request.number

    with pytest.raises(TransitionNotAllowed):
        services.request_transition(number=number, status="done", by=product_manager)
    with pytest.raises(MergeNotAllowed):
        services.request_merge(number=number, into=number, by=product_manager)

    assert not Decision.objects.exists()
