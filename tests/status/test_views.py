import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import log_intake
from tracker import services
from tracker.models import FeatureRequest
from tracker.status import views

pytestmark = pytest.mark.django_db


def page(client, number, **kw):
    return client.get(reverse("status_page:request", kwargs={"number": number}), **kw)


def text_of(response):
    """The visible text, with tags and runs of whitespace collapsed."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the look-up form ------------------------------------------------------------------


def test_the_lookup_form_is_a_labelled_get_form(client):
    response = client.get(reverse("status_page:lookup"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert '<form class="lookup" method="get"' in html
    assert '<label for="number">Request number</label>' in html
    assert 'id="number" name="number"' in html
    assert "<script" not in html
    assert "<title>Look up a request · Request status</title>" in html


@pytest.mark.parametrize("typed", ["{n}", "#{n}", "  #{n}  ", "# {n}", "№{n}"])
def test_a_typed_number_with_hash_or_spaces_finds_the_request(client, export_request, typed):
    number = export_request.number

    response = client.get(reverse("status_page:lookup"), {"number": typed.format(n=number)})

    assert response.status_code == 302
    assert response["Location"] == f"/status/{number}/"


def test_the_lookup_url_from_the_contract_finds_the_request(client, export_request):
    response = client.get(f"/status/?number=%23{export_request.number}", follow=True)

    assert response.redirect_chain == [(f"/status/{export_request.number}/", 302)]
    assert "Export deals to XLSX" in text_of(response)


@pytest.mark.parametrize("typed", ["", "abc", "10 42", "-5", "0", "1042a"])
def test_text_that_is_not_a_number_is_shown_back_with_an_error(client, typed):
    response = client.get(reverse("status_page:lookup"), {"number": typed})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    assert "Enter the request number as digits" in html


def test_an_unknown_number_gets_a_friendly_localized_404(client, export_request):
    unknown = export_request.number + 1000

    response = page(client, unknown, HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 404
    assert '<html lang="ru">' in response.content.decode()
    assert f"Заявки №{unknown} нет" in text_of(response)


def test_an_absurdly_large_number_is_not_found_rather_than_an_error(client):
    response = page(client, 10**30)

    assert response.status_code == 404


def test_the_page_refuses_post(client, export_request):
    response = client.post(reverse("status_page:request", kwargs={"number": 1}))

    assert response.status_code == 405


# --- one request ------------------------------------------------------------------------


def test_the_page_shows_number_title_status_count_and_history(client, export_request):
    response = page(client, export_request.number)

    assert response.status_code == 200
    text = text_of(response)
    assert f"Request #{export_request.number}" in text
    assert "Export deals to XLSX" in text
    assert "Status: Accepted" in text
    assert "Product managers have decided to develop this" in text
    assert "Customers who asked for it 2" in text
    assert "Last changed" in text
    assert "We will build it as part of the reports work." in text
    # The history lists the newest change first: accepted, then the initial review.
    assert text.index("We will build it") < text.index("Under review")
    assert f"<title>Request #{export_request.number} · Request status</title>" in (
        response.content.decode()
    )


@pytest.mark.parametrize("status", ["under_review", "accepted"])
def test_review_and_acceptance_say_timing_depends_on_complexity_and_the_queue(
    client, channel, product_manager, status
):
    request = log_intake(title="Gantt chart for projects")
    if status == "accepted":
        services.request_transition(number=request.number, status=status, by=product_manager)

    text = text_of(page(client, request.number))

    assert "We cannot name a date" in text
    assert "depends on the complexity of the work and on the development queue" in text


@pytest.mark.parametrize(
    ("status", "language", "meaning"),
    [
        ("in_progress", "en", "Our developers are working on this now."),
        ("in_progress", "ru", "Разработчики уже работают над этим."),
        ("done", "ja", "クラウド版では更新が自動的にインストールされ"),
        ("declined", "ru", "Мы решили не разрабатывать"),
    ],
)
def test_every_status_is_explained_in_a_plain_sentence(
    client, channel, product_manager, status, language, meaning
):
    request = log_intake(title="Telephony reports")
    path = {
        "in_progress": ["accepted", "in_progress"],
        "done": ["accepted", "in_progress", "done"],
        "declined": ["declined"],
    }[status]
    for step in path:
        services.request_transition(
            number=request.number,
            status=step,
            reason="not_planned" if step == "declined" else "",
            by=product_manager,
        )

    text = text_of(page(client, request.number, HTTP_ACCEPT_LANGUAGE=language))

    assert meaning in text
    assert "We cannot name a date" not in text


def test_no_page_names_a_deadline(client, channel, product_manager):
    request = log_intake(title="Custom fields in invoices")
    words = re.compile(
        r"\b(soon|next (week|month|release|quarter)|by the end|deadline is|expected on)\b"
        r"|скоро|в ближайш|до конца|近日|まもなく|来月",
        re.IGNORECASE,
    )
    for step in ["accepted", "in_progress", "done"]:
        services.request_transition(number=request.number, status=step, by=product_manager)
        for language in ["en", "ru", "ja"]:
            text = text_of(page(client, request.number, HTTP_ACCEPT_LANGUAGE=language))
            assert not words.search(text), (step, language, words.search(text))


def test_a_merged_request_redirects_to_the_survivor_with_a_note(
    client, channel, export_request, product_manager
):
    duplicate = log_intake(title="XLSX export of deals", account="umbrella.example", ref="c9")
    services.request_merge(number=duplicate.number, into=export_request.number, by=product_manager)

    response = page(client, duplicate.number, follow=True)

    survivor_url = f"/status/{export_request.number}/?from={duplicate.number}"
    assert response.redirect_chain == [(survivor_url, 302)]
    text = text_of(response)
    assert f"Request #{duplicate.number} was merged into this one" in text
    assert "Export deals to XLSX" in text
    assert "Customers who asked for it 3" in text


def test_a_forged_merge_note_is_not_shown(client, channel, export_request):
    other = log_intake(title="Dark theme", account="hooli.example", ref="c10")

    response = client.get(
        reverse("status_page:request", kwargs={"number": export_request.number}),
        {"from": other.number},
    )

    assert response.status_code == 200
    assert "was merged into this one" not in text_of(response)


def test_nothing_about_customers_threads_or_ranking_reaches_the_html(client, secret_laden_request):
    request = secret_laden_request
    secrets = [
        "INTERNAL-DESCRIPTION",
        "initech-secret",
        "Initech Private",
        "SECRET-REF",
        "CUSTOMER-WORDS",
        "CFO",
        "hooks-main",
        "P1",
        "highest",
        "Critical",
        "critical for",
        "score",
        "Score",
        "priority",
        "Priority",
        "criticality",
        "pm@example.com",
        "hooli",
        "Hooli",
        "SECRET",
        "SCREENSHOT",
        "files.example",
    ]
    assert request.score > 0 and request.priority == "p1" and request.customer_count == 2

    for language in ["en", "ru", "ja"]:
        html = page(client, request.number, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "Kanban swimlanes" in html
        for secret in [*secrets, f"{request.score:g}"]:
            assert secret not in html, (language, secret)


# --- languages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang", "heading"),
    [
        ("en-US,en;q=0.9", "en", "Check the status of your request"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru", "Узнайте статус вашей заявки"),
        ("ja,en;q=0.5", "ja", "リクエストのステータスを確認"),
        ("de-DE,de;q=0.9", "en", "Check the status of your request"),
    ],
)
def test_the_browser_language_is_used_without_a_choice(client, accept, lang, heading):
    response = client.get(reverse("status_page:lookup"), HTTP_ACCEPT_LANGUAGE=accept)

    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert response["Content-Language"] == lang


def test_the_explicit_choice_is_kept_in_a_cookie_and_beats_the_browser(client, export_request):
    path = f"/status/{export_request.number}/"

    response = client.get(reverse("status_page:language", args=["ja"]), {"next": path})

    assert response.status_code == 302
    assert response["Location"] == path
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    after = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
    html = after.content.decode()
    assert '<html lang="ja">' in html
    assert "ステータス" in html


def test_the_language_switch_links_point_back_to_the_same_page(client, export_request):
    html = page(client, export_request.number).content.decode()

    assert f'href="/status/language/ru/?next=/status/{export_request.number}/" lang="ru"' in html
    assert '<span aria-current="true" lang="en">English</span>' in html


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_the_language_switch_never_sends_you_elsewhere(client, target):
    response = client.get(reverse("status_page:language", args=["ru"]), {"next": target})

    assert response["Location"] == "/status/"


def test_an_unknown_language_is_not_kept(client):
    response = client.get(reverse("status_page:language", args=["de"]))

    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- limits, caching and headers -----------------------------------------------------------


def test_lookups_beyond_the_limit_get_a_localized_429(client, settings, export_request):
    settings.STATUS_PAGE_RATE_LIMIT = 3

    statuses = [page(client, export_request.number).status_code for _ in range(3)]
    refused = page(client, export_request.number, HTTP_ACCEPT_LANGUAGE="ja")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.STATUS_PAGE_RATE_WINDOW
    assert '<html lang="ja">' in refused.content.decode()
    assert "照会回数が多すぎます" in text_of(refused)


def test_unknown_numbers_count_against_the_limit_too(client, settings):
    settings.STATUS_PAGE_RATE_LIMIT = 2

    statuses = [page(client, n).status_code for n in (900001, 900002, 900003)]

    assert statuses == [404, 404, 429]


def test_the_limit_is_per_client_address(client, settings, export_request):
    settings.STATUS_PAGE_RATE_LIMIT = 1

    first = page(client, export_request.number, REMOTE_ADDR="198.51.100.1")
    other = page(client, export_request.number, REMOTE_ADDR="198.51.100.2")
    again = page(client, export_request.number, REMOTE_ADDR="198.51.100.1")

    assert [first.status_code, other.status_code, again.status_code] == [200, 200, 429]


def test_a_forwarded_header_is_ignored_unless_a_trusted_proxy_is_configured(
    client, settings, export_request
):
    settings.STATUS_PAGE_RATE_LIMIT = 1

    first = page(client, export_request.number, HTTP_X_FORWARDED_FOR="203.0.113.1")
    spoofed = page(client, export_request.number, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert [first.status_code, spoofed.status_code] == [200, 429]


def test_behind_a_trusted_proxy_the_address_it_added_counts(client, settings, export_request):
    settings.STATUS_PAGE_RATE_LIMIT = 1
    settings.STATUS_PAGE_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"

    first = page(client, export_request.number, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.1")
    second = page(client, export_request.number, HTTP_X_FORWARDED_FOR="203.0.113.2")
    forged = page(client, export_request.number, HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.1")

    assert [first.status_code, second.status_code, forged.status_code] == [200, 200, 429]


def test_a_cached_page_costs_no_database_query(client, export_request, django_assert_num_queries):
    page(client, export_request.number)

    with django_assert_num_queries(0):
        response = page(client, export_request.number)

    assert "Export deals to XLSX" in text_of(response)


def test_the_cached_page_is_refreshed_once_a_change_is_committed(
    client, channel, export_request, product_manager, django_capture_on_commit_callbacks
):
    assert "Status: Accepted" in text_of(page(client, export_request.number))
    assert "Статус: Принята" in text_of(
        page(client, export_request.number, HTTP_ACCEPT_LANGUAGE="ru")
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.request_transition(
            number=export_request.number,
            status="in_progress",
            public_note="Development has started.",
            by=product_manager,
        )
    before_commit = text_of(page(client, export_request.number))
    for callback in callbacks:
        callback()
    after_commit = text_of(page(client, export_request.number))
    in_russian = text_of(page(client, export_request.number, HTTP_ACCEPT_LANGUAGE="ru"))

    assert "Status: Accepted" in before_commit
    assert "Status: In progress" in after_commit
    assert "Development has started." in after_commit
    assert "Статус: В работе" in in_russian


def test_a_new_customer_refreshes_the_count(
    client, channel, export_request, django_capture_on_commit_callbacks
):
    assert "Customers who asked for it 2" in text_of(page(client, export_request.number))

    with django_capture_on_commit_callbacks(execute=True):
        log_intake(number=export_request.number, account="soylent.example", ref="c11")

    assert "Customers who asked for it 3" in text_of(page(client, export_request.number))


def test_a_merge_turns_the_cached_page_into_a_redirect(
    client, channel, export_request, product_manager, django_capture_on_commit_callbacks
):
    duplicate = log_intake(title="XLSX export", account="umbrella.example", ref="c12")
    assert page(client, duplicate.number).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.request_merge(
            number=duplicate.number, into=export_request.number, by=product_manager
        )

    response = page(client, duplicate.number)
    assert response.status_code == 302
    assert response["Location"] == f"/status/{export_request.number}/?from={duplicate.number}"


def test_a_recount_refreshes_the_count(
    client, channel, export_request, django_capture_on_commit_callbacks
):
    # A figure gone wrong outside the services, cached as such.
    FeatureRequest.objects.filter(number=export_request.number).update(customer_count=7)
    assert "Customers who asked for it 7" in text_of(page(client, export_request.number))

    with django_capture_on_commit_callbacks(execute=True):
        services.requests_recount(numbers=[export_request.number])

    assert "Customers who asked for it 2" in text_of(page(client, export_request.number))


def test_each_language_is_cached_on_its_own(client, export_request):
    english = text_of(page(client, export_request.number, HTTP_ACCEPT_LANGUAGE="en"))
    russian = text_of(page(client, export_request.number, HTTP_ACCEPT_LANGUAGE="ru"))

    assert "Status: Accepted" in english
    assert "Статус: Принята" in russian


def test_pages_carry_the_security_headers(client, export_request):
    for response in [
        client.get(reverse("status_page:lookup")),
        page(client, export_request.number),
        page(client, export_request.number + 1000),
    ]:
        assert response["Content-Security-Policy"] == views.CONTENT_SECURITY_POLICY
        assert "script-src" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert "Accept-Language" in response["Vary"]
        assert "Cookie" in response["Vary"]


def test_the_benchmark_baseline_is_not_served_by_default(client):
    response = client.get("/status/benchmark/constant/")

    assert response.status_code == 404


def test_a_deleted_request_is_not_found(client, export_request):
    FeatureRequest.objects.filter(number=export_request.number).delete()

    assert page(client, export_request.number).status_code == 404
