"""A thread's language: given by the agent, else read from the customer's words (the
channel's default_language when they have no letters), and changed by a later intake that
names another one."""

import pytest
from django.urls import reverse

from tests.api.conftest import errors_by_field, intake_payload
from tests.factories import ChannelFactory
from tracker import services
from tracker.errors import TrackerError
from tracker.models import Notification, Thread
from tracker.notifications.messages import render
from tracker.relevance import message_language

URL = reverse("api-intake")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Нам очень нужна выгрузка сделок в Excel", "ru"),
        ("通知をまとめて送ってほしい", "ja"),
        ("カレンダー", "ja"),
        ("在庫", "ja"),
        ("Please add dark mode", "en"),
        ("Bitrix24: экспорт", "ru"),
        ("1042?", None),
        ("https://example.com/x.png 👍", None),
        ("", None),
    ],
)
def test_the_language_of_a_message_is_read_from_its_script(text, language):
    assert message_language(text) == language


def payload_without_language(ref="chat4711", quote="Нам очень нужна выгрузка сделок в Excel"):
    return intake_payload(thread={"channel": "hooks-main", "ref": ref}, quote=quote)


def test_a_new_thread_without_a_language_gets_the_customers(agent, channel):
    response = agent.post(URL, payload_without_language(), format="json")

    assert response.status_code == 201
    assert Thread.objects.get().language == "ru"
    assert "Спасибо" in render(Notification.objects.get())


def test_words_without_letters_take_the_channels_default_language(agent, db):
    ChannelFactory(slug="hooks-main", config={"default_language": "ja"})

    agent.post(URL, payload_without_language(quote="👍 1042"), format="json")

    assert Thread.objects.get().language == "ja"


def test_without_a_channel_default_it_is_english(agent, channel):
    agent.post(URL, payload_without_language(quote="👍"), format="json")
    assert Thread.objects.get().language == "en"


def test_a_later_intake_naming_another_language_updates_the_thread(agent, channel):
    agent.post(URL, intake_payload(), format="json")  # thread chat4711 in ru
    thread = Thread.objects.get()
    assert thread.language == "ru"

    response = agent.post(
        URL,
        intake_payload(
            thread={"channel": "hooks-main", "ref": "chat4711", "language": "ja"},
            title="Calendar sync",
        ),
        format="json",
    )

    assert response.status_code == 201
    thread.refresh_from_db()
    assert thread.language == "ja"
    # What the thread is owed is told in its language now, the earlier notice too.
    notifications = list(thread.notifications.all())
    assert len(notifications) == 2
    assert [message_language(render(n)) for n in notifications] == ["ja", "ja"]


def test_a_later_intake_naming_no_language_keeps_the_threads(agent, channel):
    agent.post(URL, intake_payload(), format="json")  # ru

    agent.post(
        URL,
        payload_without_language(quote="Please also add calendar sync") | {"title": "Calendar"},
        format="json",
    )

    assert Thread.objects.get().language == "ru"


def test_an_unsupported_language_is_refused_naming_the_field(agent, channel):
    response = agent.post(
        URL,
        intake_payload(thread={"channel": "hooks-main", "ref": "c1", "language": "de"}),
        format="json",
    )
    assert errors_by_field(response)["thread.language"]["code"] == "invalid_choice"
    assert not Thread.objects.exists()


def test_a_channels_default_language_must_be_one_we_speak(db):
    with pytest.raises(TrackerError) as refused:
        services.channel_setup(
            data=services.ChannelData(slug="hooks-2", kind="log", config={"default_language": "de"})
        )
    assert refused.value.field == "config.default_language"
