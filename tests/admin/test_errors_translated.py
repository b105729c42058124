"""The services' refusals in the reader's language, statuses named by their labels: in the
admin (the user's language) and in the API (Accept-Language), the code unchanged."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.api.conftest import client_for, errors_by_field
from tracker.errors import TransitionNotAllowed
from tracker.models import FeatureRequest
from tracker.services import request_merge, request_transition

REFUSED = {
    "en": "A request that is Done cannot become Under review.",
    "ru": "Заявку в статусе «Выполнена» нельзя перевести в статус «На рассмотрении».",
    "ja": "ステータスが「完了」のリクエストを「検討中」にすることはできません。",
}
ALREADY_MERGED = {
    "en": "Request {a} is already merged into {x}.",
    "ru": "Заявка №{a} уже объединена с заявкой №{x}.",
    "ja": "リクエスト #{a} はすでに #{x} に統合されています。",
}


@pytest.fixture
def done(log):
    number = log("Export deals").number
    FeatureRequest.objects.filter(number=number).update(status="done")
    return number


def refusal(number: int) -> TransitionNotAllowed:
    with pytest.raises(TransitionNotAllowed) as raised:
        request_transition(number=number, status="under_review")
    return raised.value


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_the_message_is_in_the_language_it_is_read_in_not_raised_in(done, language):
    with translation.override("en"):
        error = refusal(done)

    with translation.override(language):
        assert error.message == REFUSED[language]
        assert str(error) == REFUSED[language]
    assert error.code == "transition_not_allowed"


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_the_api_answers_in_the_callers_language_with_the_same_code(
    product_manager, done, language
):
    response = client_for(product_manager).post(
        reverse("api-request-transition", args=[done]),
        {"status": "under_review"},
        format="json",
        headers={"accept-language": language},
    )

    assert response.status_code == 409
    error = errors_by_field(response)["status"]
    assert error == {
        "field": "status",
        "code": "transition_not_allowed",
        "message": REFUSED[language],
    }


def test_the_api_answers_in_english_when_no_language_is_asked_for(product_manager, done):
    response = client_for(product_manager).post(
        reverse("api-request-transition", args=[done]), {"status": "under_review"}, format="json"
    )

    assert errors_by_field(response)["status"]["message"] == REFUSED["en"]


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_a_merge_the_service_refuses_is_said_in_the_admin_users_language(pm_client, log, language):
    a, x, b, c = (log(title).number for title in ("Export", "Excel export", "XLSX", "Reports"))
    request_merge(number=a, into=x)

    response = pm_client.post(
        reverse("admin:tracker_featurerequest_merge"),
        {"ids": f"{a},{b}", "into": c, "confirm": "yes"},
        headers={"accept-language": language},
        follow=True,
    )

    texts = [str(m) for m in response.context["messages"]]
    assert f"#{a}: {ALREADY_MERGED[language].format(a=a, x=x)}" in texts
    assert FeatureRequest.objects.get(number=b).duplicate_of_id == c


def test_a_users_own_language_wins_for_the_services_refusals(pm_client, pm, log, done):
    other = log("Import deals").number
    pm_client.post(reverse("admin-my-language"), {"language": "ja"})
    FeatureRequest.objects.filter(number=other).update(status="accepted")

    response = pm_client.post(
        reverse("admin:tracker_featurerequest_decide", kwargs={"slug": "status"}),
        {"ids": f"{done},{other}", "status": "under_review", "confirm": "yes"},
        headers={"accept-language": "en"},
        follow=True,
    )

    texts = [str(m) for m in response.context["messages"]]
    assert f"#{done}: {REFUSED['ja']}" in texts
