import re

import pytest

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import Status
from tracker.deadlines import english, find_date_phrase, japanese, russian
from tracker.deadlines.evaluate import UNTUNED, load
from tracker.deadlines.rules import factored, lowercase
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


# Each category of timing, in each language, and the phrase quoted back.
CATEGORIES = [
    # Holidays and named periods
    ("We hope to ship it before Christmas.", "before Christmas"),
    ("Expect it after the holidays.", "after the holidays"),
    ("The team will pick it up after Labor Day.", "Labor Day"),
    ("It lands in time for Black Friday.", "in time for Black Friday"),
    ("Сделаем до Нового года.", "до Нового года"),
    ("Выпустим после майских праздников.", "после майских праздников"),
    ("Выпустим ко Дню Победы.", "Дню Победы"),
    ("正月明けに対応いたします。", "正月明け"),
    ("お盆前にリリースします。", "お盆前に"),
    ("ゴールデンウィーク明けに公開します。", "ゴールデンウィーク明け"),
    ("年末年始に配信します。", "年末年始に"),
    # Seasons and seasonal releases
    ("It is part of the spring release.", "spring release"),
    ("We plan to deliver it this summer.", "this summer"),
    ("Доработка войдёт в летний релиз.", "летний релиз"),
    ("春のアップデートで対応いたします。", "春のアップデート"),
    # Fiscal and business periods
    ("Planned for H2.", "H2"),
    ("We will finish it by the end of the financial year.", "end of the financial year"),
    ("Планируем на второе полугодие.", "на второе полугодие"),
    ("下期に着手します。", "下期"),
    ("年度末までに対応します。", "年度末"),
    ("Q4にリリースする予定です。", "Q4"),
    # Relative time
    ("This will be ready in a matter of weeks.", "in a matter of weeks"),
    ("The fix is coming any day now.", "any day now"),
    ("Исправим на днях.", "на днях"),
    ("数日以内に修正します。", "数日以内"),
    ("まもなく公開します。", "まもなく"),
    # Event anchors
    ("You will get this once the next major version is out.", "once the next major version is out"),
    ("We will add it in the upcoming update.", "upcoming update"),
    ("Функция появится с выходом новой версии.", "с выходом новой версии"),
    ("Это будет в следующем обновлении.", "следующем обновлении"),
    ("次のメジャーアップデートで対応いたします。", "次のメジャーアップデート"),
    # Dates in every script
    ("2026-11-30にリリース予定です。", "2026-11-30"),
]

# Notes about a feature that concerns dates, a version, a product: they promise nothing.
FEATURES = [
    "The report's period picker now remembers the last range.",
    "The quarterly report export now includes totals.",
    "We added a Christmas theme to the greeting cards template.",
    "Tasks due next week are highlighted in the list.",
    "The 'This week' filter now includes tasks without a deadline.",
    "Files in the recycle bin are kept for 30 days.",
    "The week can start on Sunday or on Monday.",
    "The calendar no longer jumps to next month after saving.",
    "The problem is fixed in version 24.100.0, already installed in the cloud.",
    "Please send us the screenshots as soon as possible.",
    "Исправили формат даты в счетах.",
    "Квартальный отчёт теперь выгружается с итогами.",
    "Добавили новогоднюю тему для открыток.",
    "Отчёт по продажам менеджеров за месяц.",
    "Регулярные встречи можно повторять по вторникам.",
    "Живая лента может показывать последние 90 дней.",
    "期日の通知メールを修正しました。",
    "四半期レポートのエクスポートに合計が含まれるようになりました。",
    "年賀状テンプレートにお正月のデザインを追加しました。",
    "ごみ箱のファイルは30日間保存されるようになりました。",
    "サポートはチャットで24時間365日ご利用いただけます。",
    "定例会議を毎週火曜と木曜に繰り返せます。",
]


@pytest.mark.parametrize(("note", "phrase"), REFUSED)
def test_it_finds_the_date_or_time_frame_in_a_note(note, phrase):
    assert find_date_phrase(note) == phrase


@pytest.mark.parametrize(("note", "phrase"), CATEGORIES)
def test_it_refuses_every_category_of_timing_and_quotes_the_phrase(note, phrase):
    assert find_date_phrase(note) == phrase


@pytest.mark.parametrize("note", PASSED)
def test_it_lets_an_ordinary_note_through(note):
    assert find_date_phrase(note) is None


@pytest.mark.parametrize("note", FEATURES)
def test_a_note_about_a_date_feature_promises_nothing(note):
    assert find_date_phrase(note) is None


def test_a_promise_is_found_at_the_end_of_a_long_note():
    ordinary = " ".join(FEATURES)
    note = ordinary + " We expect to ship the export before Thanksgiving."

    assert len(note) > 1_000
    assert find_date_phrase(note) == "before Thanksgiving"


def test_every_match_of_a_rule_holds_one_of_its_keywords():
    # A rule only reads the text around its keywords, so a keyword missing from its list
    # would silently blind it: every match over the labelled set must contain one.
    # (Not the parts never tuned on: what the rules match there is measured, not read.)
    texts = [note.text for note in load() if note.split not in UNTUNED]
    texts += [note for note, _ in CATEGORIES + REFUSED]
    for rule in [*english.RULES, *russian.RULES, *japanese.RULES]:
        if rule.keys is None:
            continue
        for text in texts:
            subject = text if rule.cased else lowercase(text)
            for match in rule.pattern.finditer(subject):
                assert rule.keys.search(lowercase(text), match.start(), match.end()), (
                    rule.category,
                    match.group(0),
                )


@pytest.mark.parametrize(
    "keys",
    [
        r"after\s+next|release|roll-?out|\bapps?\b|v\d|retail|r",
        r"正月|年末年始|盆|[春夏秋冬]|秋口",
        r"[0-9]\s*(?:月|日)|半年|\d/\d",
    ],
)
def test_keywords_grouped_by_first_letter_find_what_they_found_before(keys):
    texts = [note.text.lower() for note in load() if note.split not in UNTUNED]
    grouped = re.compile(factored(keys))

    assert factored(keys) != keys
    for text in texts:
        assert [m.span() for m in grouped.finditer(text)] == [
            m.span() for m in re.compile(keys.replace(r"\bapps", "apps")).finditer(text)
        ]


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


# A plain commitment without timing is what a product manager writes every day; a guard that
# refuses it gets worked around. Round 7's guard refused the Japanese ones and the calendar
# note (docs/deadline-guard.md), which is why it was not kept.
@pytest.mark.parametrize(
    "note",
    [
        "We will implement this.",
        "We plan to build this into the report designer.",
        "The calendar no longer jumps to next month after saving.",
        "Мы это реализуем.",
        "Будем исправлять.",
        "対応いたします。",
        "実装する予定です。",
        "原因を調査いたします。",
    ],
)
def test_a_plain_commitment_without_timing_passes(note):
    assert find_date_phrase(note) is None
