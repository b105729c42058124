import pytest
from django.test import override_settings

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import DeclineReason, Event, Language, Status
from tracker.deadlines import find_date_phrase
from tracker.models import Notification
from tracker.notifications.messages import Facts, all_facts, render, render_facts

# A word each language's texts use, so that a missing translation shows.
MARKERS = {Language.EN: "request #1042", Language.RU: "№1042", Language.JA: "#1042"}
SCRIPT = {Language.EN: "request", Language.RU: "Заявк", Language.JA: "リクエスト"}

EVERY_MESSAGE = [
    pytest.param(
        facts,
        language,
        id=f"{language}-{facts.event}-{facts.status}-{facts.reason}-{bool(facts.public_note)}",
    )
    for language in Language
    for facts in all_facts()
]


@pytest.mark.parametrize(("facts", "language"), EVERY_MESSAGE)
def test_every_message_renders_in_every_language_without_a_date(facts, language):
    text = render_facts(facts, language=language)

    assert "%(" not in text
    assert "1042" in text
    assert SCRIPT[language].lower() in text.lower()
    assert find_date_phrase(text) is None, text
    if facts.public_note:
        assert text.endswith(facts.public_note)


@pytest.mark.parametrize("language", [Language.RU, Language.JA])
def test_every_message_is_translated(language):
    for facts in all_facts():
        english = render_facts(facts, language=Language.EN)
        assert render_facts(facts, language=language) != english


def test_the_registered_message_carries_the_number_and_the_status_url():
    text = render_facts(
        Facts(event=Event.REGISTERED, number=1042, status=Status.UNDER_REVIEW), language="ru"
    )

    assert "№1042" in text
    assert "http://127.0.0.1:8000/status/1042/" in text


def test_the_merged_message_names_both_numbers():
    text = render_facts(
        Facts(event=Event.MERGED, number=1042, status=Status.ACCEPTED, merged_from=1001),
        language="ja",
    )

    assert "#1001" in text
    assert "#1042" in text
    assert "統合" in text


@override_settings(
    TRACKER_PARTNER_DIRECTORY_URL="https://partners.example/",
    TRACKER_MARKETPLACE_SUPPORT_URL="https://market.example/app/support",
)
@pytest.mark.parametrize("language", list(Language))
def test_each_decline_reason_has_its_own_message_and_address(language):
    def declined(reason):
        return render_facts(
            Facts(event=Event.STATUS_CHANGED, number=1042, status=Status.DECLINED, reason=reason),
            language=language,
        )

    texts = {reason: declined(reason) for reason in DeclineReason}

    assert len(set(texts.values())) == 3
    assert "https://partners.example/" in texts[DeclineReason.PARTNER_WORK]
    assert "https://market.example/app/support" in texts[DeclineReason.MARKETPLACE_APP]
    assert "example" not in texts[DeclineReason.NOT_PLANNED]


def test_the_done_message_says_the_cloud_update_installs_itself():
    facts = Facts(event=Event.STATUS_CHANGED, number=1042, status=Status.DONE)

    assert "installs itself" in render_facts(facts, language="en")
    assert "обновление установится само" in render_facts(facts, language="ru")
    assert "自動的にインストール" in render_facts(facts, language="ja")


@pytest.mark.parametrize(
    ("status", "language", "words"),
    [
        (Status.ACCEPTED, "en", "complexity of the work and the development queue"),
        (Status.UNDER_REVIEW, "en", "complexity of the work and the development queue"),
        (Status.ACCEPTED, "ru", "сложности работ и очереди разработки"),
        (Status.UNDER_REVIEW, "ja", "作業の複雑さと開発のキュー"),
    ],
)
def test_review_and_acceptance_say_timing_depends_on_complexity_and_the_queue(
    status, language, words
):
    text = render_facts(
        Facts(event=Event.STATUS_CHANGED, number=1042, status=status), language=language
    )

    assert words in text


def test_a_notification_renders_in_its_threads_language(db, channel):
    thread = ThreadFactory(channel=channel, language=Language.JA)
    request = log_in_thread(thread, title="Dark mode").request
    services.request_transition(
        number=request.number, status=Status.ACCEPTED, public_note="多くのお客様からのご要望です。"
    )

    registered, accepted = Notification.objects.filter(thread=thread).order_by("id")

    assert render(registered).startswith("ご要望ありがとうございます")
    assert f"#{request.number}" in render(accepted)
    assert render(accepted).endswith("多くのお客様からのご要望です。")
