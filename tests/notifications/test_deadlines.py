import pytest

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import Status
from tracker.deadlines import find_date_phrase
from tracker.errors import TrackerError
from tracker.models import Notification, StatusChange

REFUSED = [
    # English
    ("We plan to ship it next week.", "next week"),
    ("It should be ready in two weeks.", "two weeks"),
    ("Expect it by March.", "by March"),
    ("Scheduled for Q3.", "Q3"),
    ("Planned for 2026-03-01.", "2026-03-01"),
    ("Planned for 01.03.2026.", "01.03.2026"),
    ("We will look at it on Monday.", "Monday"),
    ("The team will get to it soon.", "soon"),
    ("It lands within a month.", "within a month"),
    ("Done by the end of the year.", "end of the year"),
    ("Coming in the next release.", "next release"),
    ("Targeted for September.", "September"),
    ("Expected around March 15.", "March 15"),
    ("We hope to have it in the near future.", "in the near future"),
    ("Planned for later this year.", "later this year"),
    ("It ships in 2027.", "2027"),
    ("Work starts tomorrow.", "tomorrow"),
    ("Should take a few days.", "a few days"),
    # Russian
    ("Сделаем до конца месяца.", "до конца месяца"),
    ("Выпустим на следующей неделе.", "на следующей неделе"),
    ("Будет готово через две недели.", "через две недели"),
    ("Планируем к марту.", "марту"),
    ("Ожидается в третьем квартале.", "третьем квартале"),
    ("Срок — 01.03.2026.", "01.03.2026"),
    ("Появится в ближайшее время.", "в ближайшее время"),
    ("Скоро будет.", "Скоро"),
    ("Посмотрим в среду.", "в среду"),
    ("Займёт несколько месяцев.", "несколько месяцев"),
    ("Войдёт в следующий релиз.", "следующий релиз"),
    ("Планируем в 2026 году.", "2026 году"),
    # Japanese
    ("来月リリース予定です。", "来月"),
    ("3月までに対応します。", "3月"),
    ("3月1日に公開します。", "3月"),
    ("来週対応いたします。", "来週"),
    ("第3四半期に予定しています。", "第3四半期"),
    ("数週間お待ちください。", "数週間"),
    ("近日中に公開予定です。", "近日中"),
    ("2か月ほどかかります。", "2か月"),
    ("月曜日に確認します。", "月曜日"),
    ("年内に対応します。", "年内"),
]

PASSED = [
    "",
    "Thank you: many customers asked for this, and it is now in the development queue.",
    "Timing depends on the complexity of the work and the development queue.",
    "We will let you know as soon as the work is finished.",
    "This may take some time to evaluate.",
    "March of progress: the export now supports XLSX.",
    "Bitrix24 CRM: deals export is available in the cloud version.",
    "Support is available 24/7 in the chat.",
    "Спасибо! Пожелание зафиксировано, сроки зависят от сложности и очереди разработки.",
    "Настройте тестовую среду и приложите скриншоты.",
    "Скорее всего, это решит проблему.",
    "Работа в новой версии уже доступна.",
    "ご要望を記録しました。開発の優先度は要望の多さによって決まります。",
    "Bitrix24日本語版で確認しました。",
    "スクリーンショットや動画を添付してください。",
]


@pytest.mark.parametrize(("note", "phrase"), REFUSED)
def test_it_finds_the_date_or_time_frame_in_a_note(note, phrase):
    assert find_date_phrase(note) == phrase


@pytest.mark.parametrize("note", PASSED)
def test_it_lets_an_ordinary_note_through(note):
    assert find_date_phrase(note) is None


@pytest.fixture
def logged_request(db, channel):
    thread = ThreadFactory(channel=channel)
    return log_in_thread(thread, title="Export deals to XLSX").request


@pytest.mark.parametrize(("note", "phrase"), REFUSED[::5])
def test_a_status_change_with_a_dated_note_is_refused_and_quotes_the_phrase(
    logged_request, note, phrase
):
    with pytest.raises(TrackerError) as raised:
        services.request_transition(
            number=logged_request.number, status=Status.ACCEPTED, public_note=note
        )

    assert raised.value.field == "public_note"
    assert f"\u201c{phrase}\u201d" in raised.value.message
    logged_request.refresh_from_db()
    assert logged_request.status == Status.UNDER_REVIEW
    assert not Notification.objects.filter(event="request.status_changed").exists()
    assert StatusChange.objects.filter(request=logged_request).count() == 1


def test_a_merge_with_a_dated_note_is_refused(logged_request, channel):
    other = log_in_thread(ThreadFactory(channel=channel), title="XLSX export").request

    with pytest.raises(TrackerError) as raised:
        services.request_merge(
            number=other.number, into=logged_request.number, public_note="Merged, ships in Q3."
        )

    assert raised.value.field == "public_note"
    other.refresh_from_db()
    assert other.status == Status.UNDER_REVIEW


def test_a_status_change_with_an_ordinary_note_goes_through(logged_request):
    services.request_transition(
        number=logged_request.number,
        status=Status.ACCEPTED,
        public_note="Many customers asked for this; it is in the development queue.",
    )

    note = Notification.objects.get(event="request.status_changed")
    assert note.public_note.startswith("Many customers")
