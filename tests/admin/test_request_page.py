from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.admin.charts import weekly_customers
from tracker.models import Mention
from tracker.services import (
    AccountData,
    DefectReport,
    ThreadData,
    intake_log,
    request_merge,
    request_transition,
)


def page(number: int) -> str:
    return reverse("admin:tracker_featurerequest_change", args=[number])


@pytest.fixture
def wish(log, bitrix):
    request = log("Export deals to XLSX", quote="нужна выгрузка в Excel", language="ru")
    log(
        number=request.number,
        account="globex.bitrix24.com",
        plan="enterprise",
        channel="b24-main",
        language="ja",
        quote="Excelで出力したいです",
        criticality="high",
    )
    request.refresh_from_db()
    return request


def test_it_explains_the_score_part_by_part(pm_client, wish):
    response = pm_client.get(page(wish.number))

    ranking = response.context["ranking"]
    assert [part.name for part in ranking.parts] == ["demand", "criticality", "priority"]
    assert ranking.score == wish.score
    content = response.content.decode()
    assert "weighted customer accounts" in content
    assert "criticality high" in content


def test_it_lists_every_mention_with_who_where_and_the_customers_words(pm_client, wish):
    content = pm_client.get(page(wish.number)).content.decode()

    for text in (
        "globex",
        "Enterprise",
        "Bitrix24 portal",
        "日本語",
        "Excelで出力したいです",
        "нужна выгрузка в Excel",
        "Русский",
        "High",
    ):
        assert text in content


def test_it_shows_the_status_history_with_public_notes(pm_client, pm, wish):
    request_transition(number=wish.number, status="accepted", public_note="Взяли в план.", by=pm)

    response = pm_client.get(page(wish.number))

    assert [c.to_status for c in response.context["history"]] == ["under_review", "accepted"]
    assert "Взяли в план." in response.content.decode()


def test_it_lists_requests_merged_into_it_and_their_customers_threads(pm_client, pm, wish, log):
    dup = log("XLSX export", account="initech.bitrix24.com", quote="xlsx!")
    request_merge(number=dup.number, into=wish.number, by=pm)

    response = pm_client.get(page(wish.number))

    assert [d.number for d in response.context["duplicates"]] == [dup.number]
    assert response.context["mention_total"] == 3
    assert f"via #{dup.number}" in response.content.decode()


def test_a_merged_request_links_to_the_one_it_was_merged_into(pm_client, pm, wish, log):
    dup = log("XLSX export", account="initech.bitrix24.com")
    request_merge(number=dup.number, into=wish.number, by=pm)

    content = pm_client.get(page(dup.number)).content.decode()

    assert f"Merged into #{wish.number}" in content
    assert "decide-status" not in content


def test_it_links_to_the_requests_notifications(pm_client, wish):
    content = pm_client.get(page(wish.number)).content.decode()

    assert f"/admin/tracker/notification/?request__number__exact={wish.number}" in content


def test_it_draws_customers_per_week_as_inline_svg(pm_client, wish):
    content = pm_client.get(page(wish.number)).content.decode()

    assert '<svg class="weekly-chart"' in content
    assert "<script" not in content.split('id="weekly"')[1].split("</svg>")[0]


def test_the_chart_counts_distinct_customers_per_week(wish, log):
    log(number=wish.number, account="globex.bitrix24.com", channel="hooks-main")  # same customer
    three_weeks_ago = timezone.now() - timedelta(weeks=3)
    Mention.objects.filter(request=wish, thread__account__external_id="acme.bitrix24.com").update(
        created_at=three_weeks_ago
    )

    chart = weekly_customers(number=wish.number)

    assert [bar.customers for bar in chart.bars] == [1, 0, 0, 1]
    assert chart.peak == 1
    assert chart.bars[-1].height == 120 and chart.bars[1].height == 0


def test_a_request_nobody_raised_has_no_chart(db):
    assert weekly_customers(number=1).bars == ()


def test_support_staff_view_a_request_without_editing_it(agent_client, wish):
    response = agent_client.get(page(wish.number))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "log-mention" in response.content.decode()


def test_a_user_with_no_group_cannot_open_a_request(nobody_client, wish):
    assert nobody_client.get(page(wish.number)).status_code == 403


def test_the_notifications_link_opens_the_requests_outbox(pm_client, wish, log):
    other = log("Dark mode", account="umbrella.example")
    url = pm_client.get(page(wish.number)).context["notifications_url"]

    response = pm_client.get(url)

    assert response.status_code == 200
    shown = {n.request_id for n in response.context["cl"].result_list}
    assert shown == {wish.number} and other.number not in shown


def test_editing_the_wording_goes_through_the_service_and_refreshes_the_status_page(
    pm_client, client, wish, django_capture_on_commit_callbacks
):
    status_url = reverse("status_page:request", kwargs={"number": wish.number})
    assert wish.title in client.get(status_url).content.decode()  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = pm_client.post(
            reverse("admin:tracker_featurerequest_change", args=[wish.number]),
            {
                "title": "  Export deals   to XLSX, with filters ",
                "description": "",
                "kind": "defect",
            },
        )

    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.title, wish.kind) == ("Export deals to XLSX, with filters", "defect")
    assert "Export deals to XLSX, with filters" in client.get(status_url).content.decode()


@pytest.fixture
def defect(log):
    request = intake_log(
        account=AccountData(external_id="acme.bitrix24.com", plan="professional"),
        thread=ThreadData(channel="hooks-main", ref="chat77", language="ru"),
        title="Deal card freezes",
        kind="defect",
        report=DefectReport(
            steps="Open a deal <b>twice</b>",
            started_how="From the deal list",
            expected="The card opens",
            actual="The page freezes",
            attachments=["https://files.example.com/1.png?a=1&b=2"],
        ),
    ).request
    log(number=request.number, account="globex.bitrix24.com", quote="Тоже зависает")
    return request


def test_a_defects_page_shows_each_mentions_report(pm_client, defect):
    content = pm_client.get(page(defect.number)).content.decode()

    assert content.count('class="defect-report"') == 1  # the second thread brought none
    for text in ("Open a deal &lt;b&gt;twice&lt;/b&gt;", "From the deal list", "The card opens"):
        assert text in content
    assert "The page freezes" in content
    assert "<b>twice</b>" not in content
    assert (
        '<a class="attachment" href="https://files.example.com/1.png?a=1&amp;b=2" '
        'rel="noopener noreferrer nofollow" target="_blank">'
        "https://files.example.com/1.png?a=1&amp;b=2</a>"
    ) in content


def test_support_staff_see_the_report_too(agent_client, defect):
    content = agent_client.get(page(defect.number)).content.decode()

    assert "The page freezes" in content


@pytest.mark.parametrize(
    "stored",
    [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        'https://x.example.com/" onmouseover="alert(1)',
    ],
)
def test_a_stored_link_that_is_not_http_or_https_is_shown_as_text(pm_client, defect, stored):
    # Written before links were checked, or by hand: the page still never makes it a link.
    Mention.objects.filter(request=defect, thread__ref="chat77").update(attachments=[stored])

    content = pm_client.get(page(defect.number)).content.decode()

    assert 'href="javascript:' not in content
    assert 'href="data:' not in content
    assert 'onmouseover="alert' not in content
    assert "<script>alert(1)</script>" not in content
    assert '<span class="attachment">' in content
