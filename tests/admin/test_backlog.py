import csv
import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tracker.choices import Status
from tracker.models import FeatureRequest
from tracker.services import request_set_priority

BACKLOG = reverse("admin:tracker_featurerequest_changelist")
EXPORT = reverse("admin:tracker_featurerequest_export")


def listed(response) -> list[int]:
    return [obj.number for obj in response.context["cl"].result_list]


@pytest.fixture
def backlog(log, bitrix):
    """Three requests: XLSX export wanted by three customers, dark mode by one, a calendar
    defect... each logged through the services."""
    xlsx = log("Export deals to XLSX", quote="нужна выгрузка в Excel", language="ru")
    log(number=xlsx.number, account="globex.bitrix24.com", plan="enterprise", channel="b24-main")
    log(number=xlsx.number, account="initech.bitrix24.com", quote="xlsx please")
    dark = log(
        "Dark mode",
        account="umbrella.bitrix24.com",
        plan="free",
        language="ja",
        quote="ダークモードが欲しいです",
        description="Night shift operators",
    )
    sync = log("Calendar sync with Google", account="hooli.bitrix24.com", plan="basic")
    return {"xlsx": xlsx.number, "dark": dark.number, "sync": sync.number}


def test_it_lists_requests_by_score_best_first(pm_client, backlog):
    request_set_priority(number=backlog["sync"], priority="p1")

    response = pm_client.get(BACKLOG)

    assert response.status_code == 200
    assert listed(response) == [backlog["sync"], backlog["xlsx"], backlog["dark"]]
    scores = list(FeatureRequest.objects.ranked().values_list("score", flat=True))
    assert scores == sorted(scores, reverse=True)


def test_it_shows_the_backlog_columns(pm_client, backlog):
    response = pm_client.get(BACKLOG)

    content = response.content.decode()
    for header in (
        "Number",
        "Title",
        "Status",
        "Kind",
        "Customer count",
        "Criticality",
        "Priority",
        "Score",
        "Last raised",
    ):
        assert header in content
    assert "Export deals to XLSX" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "under_review"}, ["xlsx", "dark", "sync"]),
        ({"status__exact": "accepted"}, []),
        ({"kind__exact": "suggestion"}, ["xlsx", "dark", "sync"]),
        ({"priority__exact": "none"}, ["xlsx", "dark", "sync"]),
        ({"channel": "b24-main"}, ["xlsx"]),
        ({"language": "ja"}, ["dark"]),
        ({"language": "ru"}, ["xlsx"]),
        ({"plan": "enterprise"}, ["xlsx"]),
        ({"plan": "basic"}, ["sync"]),
        ({"criticality": "normal"}, ["xlsx", "dark", "sync"]),
        ({"criticality": "critical"}, []),
        ({"raised": "30d"}, ["xlsx", "dark", "sync"]),
    ],
)
def test_it_filters_the_backlog(pm_client, backlog, query, expected):
    response = pm_client.get(BACKLOG, query)

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(backlog[name] for name in expected)


def test_the_criticality_filter_uses_product_managers_own_setting(pm_client, backlog, log):
    FeatureRequest.objects.filter(number=backlog["dark"]).update(criticality="critical")

    assert listed(pm_client.get(BACKLOG, {"criticality": "critical"})) == [backlog["dark"]]
    assert backlog["dark"] not in listed(pm_client.get(BACKLOG, {"criticality": "normal"}))


def test_the_recent_filter_leaves_out_requests_last_raised_long_ago(pm_client, backlog):
    FeatureRequest.objects.filter(number=backlog["sync"]).update(
        last_raised_at=timezone.now() - timedelta(days=31)
    )

    assert backlog["sync"] not in listed(pm_client.get(BACKLOG, {"raised": "30d"}))


def test_a_request_raised_in_many_threads_of_a_channel_is_listed_once(pm_client, backlog, log):
    log(number=backlog["dark"], account="a.example", channel="b24-main")
    log(number=backlog["dark"], account="b.example", channel="b24-main")

    response = pm_client.get(BACKLOG, {"channel": "b24-main"})

    assert sorted(listed(response)) == sorted([backlog["xlsx"], backlog["dark"]])


def test_the_channel_filter_finds_threads_of_requests_merged_into_it(pm_client, backlog, pm):
    from tracker.services import request_merge

    request_merge(number=backlog["xlsx"], into=backlog["sync"], by=pm)

    # Every status: the default view, the open work, leaves out the merged request itself.
    everything = ",".join(Status.values)
    listed_numbers = listed(
        pm_client.get(BACKLOG, {"channel": "b24-main", "status__in": everything})
    )

    assert sorted(listed_numbers) == sorted([backlog["sync"], backlog["xlsx"]])


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("XLSX", ["xlsx"]),
        ("night shift", ["dark"]),
        ("ダークモード", ["dark"]),
        ("выгрузка", ["xlsx"]),
        ("nothing like this", []),
    ],
)
def test_it_searches_title_description_and_customers_words(pm_client, backlog, term, expected):
    response = pm_client.get(BACKLOG, {"q": term})

    assert sorted(listed(response)) == sorted(backlog[name] for name in expected)


def test_it_finds_a_request_by_its_number_with_or_without_hash(pm_client, backlog):
    number = backlog["dark"]

    assert listed(pm_client.get(BACKLOG, {"q": str(number)})) == [number]
    assert listed(pm_client.get(BACKLOG, {"q": f"#{number}"})) == [number]


def test_a_search_matching_several_quotes_lists_the_request_once(pm_client, backlog, log):
    log(number=backlog["xlsx"], account="c.example", quote="xlsx again")

    assert listed(pm_client.get(BACKLOG, {"q": "xlsx"})) == [backlog["xlsx"]]


@pytest.mark.parametrize("per_page", [5, 25])
def test_the_backlog_runs_a_fixed_number_of_queries_whatever_the_page_size(
    pm_client, log, bitrix, monkeypatch, django_assert_max_num_queries, per_page
):
    for i in range(30):
        request = log(f"Wish {i}", account=f"c{i}.example", channel="b24-main", quote=f"q{i}")
        log(number=request.number, account=f"d{i}.example", language="ja")
    monkeypatch.setattr(admin.site._registry[FeatureRequest], "list_per_page", per_page)
    pm_client.get(BACKLOG)  # warm the session and content types

    with django_assert_max_num_queries(9):
        response = pm_client.get(BACKLOG, {"channel": "b24-main", "q": "wish"})

    assert len(listed(response)) == per_page


def test_it_does_not_count_the_whole_table_on_each_page(pm_client, backlog):
    response = pm_client.get(BACKLOG)

    cl = response.context["cl"]
    assert cl.show_full_result_count is False
    assert cl.full_result_count is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statistics")
def test_on_postgresql_a_large_unfiltered_table_is_counted_from_statistics(backlog):
    from tests.factories import FeatureRequestFactory
    from tracker.pagination import LargeTablePaginator

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_featurerequest")
    FeatureRequestFactory.create_batch(2)  # not in the statistics yet

    paginator = LargeTablePaginator(FeatureRequest.objects.ranked(), 100)
    paginator.count_cap = 2
    assert paginator.count == 3  # the planner's figure, not a COUNT(*) of 5 rows

    filtered = LargeTablePaginator(FeatureRequest.objects.filter(kind="suggestion").ranked(), 100)
    filtered.count_cap = 1
    assert filtered.count == 2  # a filtered count stops at the cap + 1
    assert filtered.is_capped and paginator.is_estimated


def test_export_is_the_filtered_backlog_in_ranking_order(pm_client, backlog):
    request_set_priority(number=backlog["dark"], priority="p2")

    response = pm_client.get(EXPORT, {"language": "ja"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["number", "title", "status"]
    assert [int(row[0]) for row in rows[1:]] == [backlog["dark"]]


def test_export_of_everything_follows_the_ranking(pm_client, backlog):
    response = pm_client.get(EXPORT, {"o": "1"})  # a column sort does not change the order
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert [int(row[0]) for row in rows[1:]] == list(
        FeatureRequest.objects.ranked().values_list("number", flat=True)
    )


def test_support_staff_see_the_backlog_and_can_export(agent_client, backlog):
    assert agent_client.get(BACKLOG).status_code == 200
    assert agent_client.get(EXPORT).status_code == 200


def test_a_user_with_no_group_sees_neither_backlog_nor_export(nobody_client, backlog):
    assert nobody_client.get(BACKLOG).status_code == 403
    assert nobody_client.get(EXPORT).status_code == 403


def test_export_does_not_let_a_spreadsheet_run_a_title_as_a_formula(pm_client, log):
    log('=HYPERLINK("http://evil.example","open")')

    response = pm_client.get(EXPORT)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","open")'
