"""Every endpoint and method, for every kind of caller."""

import pytest
from django.urls import reverse

from tests.api.conftest import client_for, intake_payload
from tests.factories import UserFactory, log_intake

ANON, STRANGER, AGENT, PM = "anonymous", "no group", "support staff", "product manager"


@pytest.fixture
def world(channel):
    first = log_intake(title="Export deals to XLSX", ref="c1").number
    second = log_intake(title="Dark theme", ref="c2").number
    third = log_intake(title="Calendar sync", ref="c3").number
    thread_id = channel.threads.get(ref="c1").pk
    return {"first": first, "second": second, "third": third, "thread": thread_id}


def cases(w):
    """(method, url, body, {caller: expected status})."""
    read = {ANON: 401, STRANGER: 403, AGENT: 200, PM: 200}
    decide = {ANON: 401, STRANGER: 403, AGENT: 403, PM: 200}
    not_allowed = {ANON: 401, STRANGER: 403, AGENT: 405, PM: 405}
    pm_not_allowed = {ANON: 401, STRANGER: 403, AGENT: 403, PM: 405}
    public = {ANON: 200, STRANGER: 200, AGENT: 200, PM: 200}
    public_not_allowed = {ANON: 405, STRANGER: 405, AGENT: 405, PM: 405}
    request = reverse("api-request", args=[w["first"]])
    mentions = reverse("api-request-mentions", args=[w["first"]])
    transition = reverse("api-request-transition", args=[w["first"]])
    merge = reverse("api-request-merge", args=[w["second"]])
    history = reverse("api-request-history", args=[w["first"]])
    account = reverse("api-account", args=["acme.bitrix24.com"])
    thread = reverse("api-thread", args=[w["thread"]])
    public_url = reverse("api-public-request", args=[w["first"]])
    return [
        (
            "post",
            reverse("api-intake"),
            intake_payload(title="New idea", thread={"channel": "hooks-main", "ref": "perm"}),
            {ANON: 401, STRANGER: 403, AGENT: 201, PM: 201},
        ),
        ("get", reverse("api-intake"), None, not_allowed),
        ("get", reverse("api-requests"), None, read),
        ("post", reverse("api-requests"), {}, not_allowed),
        ("get", reverse("api-similar"), {"q": "export"}, read),
        ("post", reverse("api-similar"), {}, not_allowed),
        ("get", request, None, read),
        ("patch", request, {"priority": "p2"}, decide),
        ("put", request, {"priority": "p2"}, not_allowed),
        ("delete", request, None, not_allowed),
        ("get", mentions, None, read),
        ("post", mentions, {}, not_allowed),
        ("post", transition, {"status": "accepted"}, decide),
        ("get", transition, None, pm_not_allowed),
        ("post", merge, {"into": w["third"]}, decide),
        ("get", merge, None, pm_not_allowed),
        ("get", history, None, read),
        ("post", history, {}, not_allowed),
        ("get", reverse("api-accounts"), None, read),
        ("post", reverse("api-accounts"), {}, not_allowed),
        ("get", account, None, read),
        ("delete", account, None, not_allowed),
        ("get", reverse("api-threads"), None, read),
        ("get", thread, None, read),
        ("patch", thread, {}, not_allowed),
        ("get", public_url, None, public),
        ("post", public_url, {}, public_not_allowed),
        ("delete", public_url, None, public_not_allowed),
    ]


@pytest.mark.parametrize("caller", [ANON, STRANGER, AGENT, PM])
def test_every_endpoint_answers_each_caller_as_its_role_allows(
    world, caller, support_agent, product_manager
):
    client = {
        ANON: client_for(None),
        STRANGER: client_for(UserFactory(username="stranger")),
        AGENT: client_for(support_agent),
        PM: client_for(product_manager),
    }[caller]
    answers = {}
    expected = {}
    for method, url, body, statuses in cases(world):
        if method == "get":
            response = client.get(url, body or {})
        else:
            response = getattr(client, method)(url, body, format="json")
        answers[f"{method.upper()} {url}"] = response.status_code
        expected[f"{method.upper()} {url}"] = statuses[caller]
    assert answers == expected


def test_session_authentication_works_too(client, support_agent, world):
    client.force_login(support_agent)

    assert client.get(reverse("api-requests")).status_code == 200


def test_a_wrong_token_is_a_401(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")

    response = client.get(reverse("api-requests"))

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"
