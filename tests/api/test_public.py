import json

from django.urls import reverse

from tests.factories import log_intake
from tracker import services
from tracker.choices import Status


def url(number):
    return reverse("api-public-request", args=[number])


def test_anyone_can_read_the_public_fields_of_a_request(anonymous, channel, product_manager):
    number = log_intake(title="Export deals to XLSX", ref="c1").number
    log_intake(number=number, account="other.example.com", ref="c2")
    services.request_transition(
        number=number, status=Status.ACCEPTED, public_note="Planned.", by=product_manager
    )

    response = anonymous.get(url(number))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "number",
        "title",
        "kind",
        "status",
        "customer_count",
        "last_changed_at",
        "history",
        "merged_into",
        "status_url",
        # Extended for public texts per language (docs/status-page.md).
        "language",
        "title_language",
        "title_is_fallback",
        "titles",
        "decline_reason",
    }
    assert (body["number"], body["title"], body["status"]) == (
        number,
        "Export deals to XLSX",
        "accepted",
    )
    assert body["customer_count"] == 2
    assert [(h["status"], h["public_note"]) for h in body["history"]] == [
        ("under_review", ""),
        ("accepted", "Planned."),
    ]
    assert body["merged_into"] is None


def test_nothing_about_customers_threads_or_ranking_leaks(anonymous, channel, product_manager):
    number = services.intake_log(
        account=services.AccountData(external_id="secret-portal.bitrix24.com", name="Hidden Co"),
        thread=services.ThreadData(channel=channel.slug, ref="chat-secret-ref"),
        title="Export deals to XLSX",
        description="internal description text",
        quote="the customer's private words",
    ).request.number
    services.request_set_priority(number=number, priority="p1", by=product_manager)

    text = json.dumps(anonymous.get(url(number)).json())

    for leak in (
        "secret-portal",
        "Hidden Co",
        "chat-secret-ref",
        "hooks-main",
        "internal description",
        "private words",
        "p1",
        "priority",
        "score",
        "account",
        "thread",
        "quote",
        "description",
        "criticality",
        "demand",
    ):
        assert leak not in text, leak


def test_a_merged_request_names_the_request_it_is_tracked_under(
    anonymous, channel, product_manager
):
    survivor = log_intake(title="Export deals to XLSX", ref="c1").number
    duplicate = log_intake(title="Excel export", ref="c2").number
    services.request_merge(number=duplicate, into=survivor, by=product_manager)

    body = anonymous.get(url(duplicate)).json()

    assert (body["status"], body["merged_into"]) == ("duplicate", survivor)


def test_a_missing_request_is_a_404_in_the_error_shape(anonymous, db):
    response = anonymous.get(url(999_999))

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_wrong_token_does_not_stop_the_public_view(channel):
    from rest_framework.test import APIClient

    number = log_intake(title="Export deals", ref="c1").number
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get(url(number)).status_code == 200
