"""The rising page: requests gaining distinct customers in the last 7 and 30 days, per area,
and those the most valuable plans raised this month."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.models import Mention, ProductArea
from tracker.rising import growth, raised_by_valuable_plans, rising
from tracker.services import request_merge
from tracker.services.decisions import request_set_area

RISING = reverse("admin:tracker_featurerequest_rising")


def days_ago(number: int, days: int, account: str | None = None) -> None:
    """Move the mentions of request `number` (of one account, or all) back in time."""
    mentions = Mention.objects.filter(request_id=number)
    if account:
        mentions = mentions.filter(thread__account__external_id=account)
    mentions.update(created_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def demand(log):
    """A: 3 customers 40 days ago, then 2 of them again and one new one 3 days ago.
    B: 2 customers, both 10 days ago (new, nobody before).
    C: 1 customer 60 days ago, 2 new ones 5 days ago."""
    a = log("Export deals", account="a1.example").number
    for account in ("a2.example", "a3.example"):
        log(number=a, account=account)
    days_ago(a, 40)
    for account in ("a1.example", "a2.example", "a4.example"):
        log(number=a, account=account)
    Mention.objects.filter(request_id=a, created_at__gte=timezone.now() - timedelta(days=1)).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    b = log("Dark theme", account="b1.example").number
    log(number=b, account="b2.example")
    days_ago(b, 10)
    c = log("Calendar sync", account="c1.example").number
    days_ago(c, 60)
    log(number=c, account="c2.example")
    log(number=c, account="c3.example")
    Mention.objects.filter(request_id=c, created_at__gte=timezone.now() - timedelta(days=1)).update(
        created_at=timezone.now() - timedelta(days=5)
    )
    return {"a": a, "b": b, "c": c}


def by_number(rows):
    return {row.number: row for row in rows}


def test_a_customer_is_new_only_when_their_first_thread_is_in_the_window(demand):
    rows = by_number(growth())

    assert rows[demand["a"]].new == {7: 1, 30: 1}
    assert rows[demand["b"]].new == {7: 0, 30: 2}
    assert rows[demand["c"]].new == {7: 2, 30: 2}
    assert rows[demand["c"]].relative(7) == 2.0
    # Nobody had raised B before: growth from nothing has no ratio.
    assert rows[demand["b"]].relative(30) is None


def test_the_lists_rank_by_customers_and_by_growth_relative_to_those_before(demand):
    lists = rising(top=5).lists

    assert [r.number for r in lists["absolute", 7]] == [
        demand["c"],
        demand["a"],
    ]
    assert [r.number for r in lists["absolute", 30]] == [
        demand["b"],
        demand["c"],
        demand["a"],
    ]
    relative = [r.number for r in lists["relative", 30]]
    # C doubled twice over (1 → 3), A grew by a third (3 → 4); B had nobody before.
    assert relative == [demand["c"], demand["a"]]


def test_a_merged_duplicates_customers_count_for_the_request_kept(log, demand):
    dup = log("Export of deals to Excel", account="a3.example").number
    log(number=dup, account="d1.example")
    request_merge(number=dup, into=demand["a"])

    rows = by_number(growth())

    # a3 raised A 40 days ago: not new through the duplicate. d1 is.
    assert rows[demand["a"]].new == {7: 2, 30: 2}
    assert dup not in rows


def test_the_page_narrows_to_one_area(pm_client, demand):
    crm = ProductArea.objects.create(name="CRM", name_ru="CRM", name_ja="顧客管理")
    request_set_area(number=demand["c"], area=crm.pk)

    assert [r.number for r in growth(area=crm.pk)] == [demand["c"]]
    assert demand["c"] not in by_number(growth(area="none"))
    response = pm_client.get(RISING, {"area": crm.pk})
    shown = {row.number for s in response.context["sections"] for row in s["rows"]}
    assert shown == {demand["c"]}


def test_each_list_is_cut_to_the_top_asked_for(demand):
    every = rising(top=None).lists
    one = rising(top=1).lists

    assert set(one) == {(kind, days) for kind in ("absolute", "relative") for days in (7, 30)}
    for key, rows in one.items():
        assert [r.number for r in rows] == [r.number for r in every[key][:1]]
    assert len(every["absolute", 30]) == 3


def test_the_areas_sum_their_requests_new_customers(demand):
    crm = ProductArea.objects.create(name="CRM", name_ru="CRM", name_ja="顧客管理")
    request_set_area(number=demand["a"], area=crm.pk)
    request_set_area(number=demand["c"], area=crm.pk)

    areas = {a.area_id: (a.new, a.requests) for a in rising(top=1).areas}

    # A: 1 new in both windows, C: 2; B (no area): 2 in 30 days, none in 7.
    assert areas == {crm.pk: ({7: 3, 30: 3}, 2), None: ({7: 0, 30: 2}, 1)}
    assert [a.area_id for a in rising(top=1).areas] == [crm.pk, None]


def test_the_most_valuable_plans_this_month(log, db):
    small = log("Bulk edit", account="s1.example", plan="free").number
    for i in range(3):
        log(number=small, account=f"s{i + 2}.example", plan="free")
    big = log("Audit log", account="e1.example", plan="enterprise").number
    log(number=big, account="p1.example", plan="professional")
    log(number=small, account="e2.example", plan="enterprise")

    demand = raised_by_valuable_plans(top=5)

    assert [(d.number, d.accounts) for d in demand] == [
        (big, {"enterprise": 1, "professional": 1}),
        (small, {"enterprise": 1}),
    ]


def test_the_page_shows_each_list_with_a_chart_per_row(pm_client, demand):
    response = pm_client.get(RISING)

    assert response.status_code == 200
    sections = {(s["kind"], s["days"]): s for s in response.context["sections"]}
    assert [row.number for row in sections["absolute", 7]["rows"]] == [demand["c"], demand["a"]]
    assert sections["absolute", 7]["rows"][0].figure == "+2"
    assert sections["relative", 7]["rows"][0].figure == "+200%"
    body = response.content.decode()
    assert body.count('class="sparkline"') >= 4
    assert "Most new customers in the last 7 days" in body


def test_the_page_is_in_the_users_language(pm_client, demand):
    response = pm_client.get(RISING, headers={"accept-language": "ru"})

    assert "Больше всего новых клиентов за последние 7 дней" in response.content.decode()


def test_its_query_count_does_not_grow_with_the_lists(pm_client, log, demand):
    for i in range(12):
        number = log(f"Wish {i}", account=f"w{i}.example").number
        log(number=number, account=f"x{i}.example")
    pm_client.get(RISING)  # warm the session (it keeps the user's language) and content types
    counts = []
    for top in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            assert pm_client.get(RISING, {"top": top}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_support_staff_see_it_too(agent_client, demand):
    assert agent_client.get(RISING).status_code == 200


def test_staff_without_a_group_are_refused(nobody_client):
    assert nobody_client.get(RISING).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(RISING)

    assert response.status_code == 302
    assert reverse("admin:login") in response.url


@pytest.mark.parametrize("query", [{"area": "x\x00"}, {"area": "99999"}, {"top": "-1"}])
def test_a_bad_parameter_shows_the_whole_page(pm_client, query):
    assert pm_client.get(RISING, query).status_code == 200


def test_the_backlog_links_to_it(pm_client):
    assert (
        RISING in pm_client.get(reverse("admin:tracker_featurerequest_changelist")).content.decode()
    )


def test_a_merged_duplicates_plans_count_for_the_request_kept_once_an_account(log, db):
    kept = log("Audit log", account="e1.example", plan="enterprise").number
    dup = log("Audit trail", account="e1.example", plan="enterprise").number
    log(number=dup, account="e2.example", plan="enterprise")
    request_merge(number=dup, into=kept)

    demand = raised_by_valuable_plans(top=5)

    assert [(d.number, d.accounts, d.weight) for d in demand] == [(kept, {"enterprise": 2}, 6.0)]
