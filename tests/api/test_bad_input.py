"""Hostile or malformed input is refused in the error shape, never answered with a 500:
a body nested thousands deep, a null character in the address or a query parameter (which
PostgreSQL refuses in any text), a page that is not there."""

import json
import time

import pytest
from django.urls import URLPattern, URLResolver, reverse

from tests.api.conftest import errors_by_field, intake_payload
from tests.factories import log_intake
from tracker.api import urls as api_urls
from tracker.api.views import CheckedURL
from tracker.limits import JSON_DEPTH_MAX
from tracker.models import FeatureRequest

INTAKE = reverse("api-intake")


@pytest.fixture
def logged(channel):
    return log_intake(title="Export deals to XLSX", ref="c1").number


# --- a body nested too deep ---------------------------------------------------------------


@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_a_body_nested_thousands_deep_is_a_400_not_a_recursion_error(agent, channel, brackets):
    opening, closing = brackets
    inner = '"a": ' if opening == "{" else ""
    body = (opening + inner) * 20_000 + "1" + closing * 20_000

    response = agent.post(INTAKE, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": None,
            "code": "parse_error",
            "message": f"The body nests deeper than {JSON_DEPTH_MAX} levels.",
        }
    ]
    assert not FeatureRequest.objects.exists()


def test_checking_the_depth_takes_one_pass_whatever_the_body(agent, channel):
    # An unterminated string of escaped quotes: searching for strings would start one at
    # every quote and read to the end each time (minutes for this body).
    body = '{"quote": "' + '\\"' * 60_000

    started = time.perf_counter()
    response = agent.post(INTAKE, body, content_type="application/json")

    assert time.perf_counter() - started < 5
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_a_body_nested_to_the_limit_is_read(agent, channel):
    # An unknown field is ignored; brackets inside strings do not count.
    deep = json.loads("[" * (JSON_DEPTH_MAX - 1) + "]" * (JSON_DEPTH_MAX - 1))
    payload = intake_payload(extra=deep, quote="[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")

    response = agent.post(INTAKE, payload, format="json")

    assert response.status_code == 201


# --- a null character in the address or a query ------------------------------------------


def test_a_null_character_in_a_path_parameter_is_a_404(agent, db):
    response = agent.get("/api/accounts/%00/")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("api-requests", "channel"),
        ("api-requests", "account"),
        ("api-requests", "language"),
        ("api-requests", "criticality"),
        ("api-requests", "q"),
        ("api-requests", "page"),
        ("api-requests", "page_size"),
        ("api-accounts", "plan"),
        ("api-threads", "ref"),
        ("api-threads", "channel__slug"),
        ("api-similar", "q"),
    ],
)
def test_a_null_character_in_a_query_parameter_is_a_400_naming_it(agent, db, name, parameter):
    response = agent.get(reverse(name), {parameter: "b24\x00main"})

    assert response.status_code == 400
    assert errors_by_field(response)[parameter]["code"] == "null_characters_not_allowed"


@pytest.mark.parametrize("name", ["api-request", "api-request-mentions", "api-public-request"])
def test_a_null_character_in_any_query_parameter_of_a_detail_page_is_a_400(agent, logged, name):
    response = agent.get(reverse(name, args=[logged]), {"format_hint": "\x00"})

    assert response.status_code == 400
    assert list(errors_by_field(response)) == ["format_hint"]


def test_a_stranger_learns_nothing_from_a_null_character(stranger, anonymous, db):
    assert stranger.get("/api/accounts/%00/").status_code == 403
    assert anonymous.get(reverse("api-requests"), {"q": "\x00"}).status_code == 401


def test_every_api_view_checks_its_url():
    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback.view_class

    unchecked = [view for view in views(api_urls.urlpatterns) if not issubclass(view, CheckedURL)]

    assert unchecked == []


# --- a page that is not there ----------------------------------------------------------------


def list_urls(number: int) -> list[str]:
    return [
        reverse("api-requests"),
        reverse("api-accounts"),
        reverse("api-threads"),
        reverse("api-request-mentions", args=[number]),
    ]


@pytest.mark.parametrize("page", ["0", "-1", "x", "99"])
def test_a_page_that_is_not_there_is_a_400_naming_page_on_every_list(agent, logged, page):
    for url in list_urls(logged):
        response = agent.get(url, {"page": page})

        assert response.status_code == 400, url
        error = errors_by_field(response)["page"]
        assert error["code"] == "invalid"
        assert error["message"].startswith(f"There is no page {page}: "), error


def test_the_first_and_the_last_page_are_there_even_for_an_empty_list(agent, db):
    assert agent.get(reverse("api-requests"), {"page": "1"}).status_code == 200
    assert agent.get(reverse("api-requests"), {"page": "last"}).status_code == 200


def test_the_schema_says_a_page_starts_at_1_and_lists_answer_400(db, agent):
    document = agent.get(reverse("api-schema"), {"format": "json"}).json()

    for path in ("/api/requests/", "/api/accounts/", "/api/threads/"):
        operation = document["paths"][path]["get"]
        page = next(p for p in operation["parameters"] if p["name"] == "page")
        assert page["schema"]["minimum"] == 1
        assert "400" in operation["responses"]
    mentions = document["paths"]["/api/requests/{number}/mentions/"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(mentions["responses"])
