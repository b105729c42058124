import pytest
from django.db import connection
from django.urls import reverse

from bench.similar_cross_set import HELD_OUT, REQUESTS, TUNING
from bench.similar_set import PARAPHRASES, TITLES
from tests.api.conftest import errors_by_field
from tests.factories import FeatureRequestFactory, log_intake
from tracker import services
from tracker.choices import Status
from tracker.models import FeatureRequest

URL = reverse("api-similar")


@pytest.fixture
def backlog(db, embed_all):
    made = {key: FeatureRequestFactory(title=title).number for key, title in TITLES.items()}
    embed_all()
    return made


@pytest.mark.parametrize(("query", "meant"), PARAPHRASES)
def test_a_paraphrase_finds_the_request_meant_among_the_first_three(agent, backlog, query, meant):
    response = agent.get(URL, {"q": query})

    assert response.status_code == 200
    assert backlog[meant] in [r["number"] for r in response.json()[:3]]


@pytest.fixture
def cross_backlog(db, embed_all):
    """The cross-language set's requests among the same-language set's, which add close
    neighbours in all three languages."""
    titles = {key: title for key, (_, title) in REQUESTS.items()}
    titles.update({f"same_set:{key}": title for key, title in TITLES.items()})
    made = {key: FeatureRequestFactory(title=title).number for key, title in titles.items()}
    embed_all()
    return made


def misses_among_the_first_three(agent, backlog, queries):
    misses = []
    for query, meant in queries:
        numbers = [r["number"] for r in agent.get(URL, {"q": query}).json()[:3]]
        if backlog[meant] not in numbers:
            misses.append((query, meant))
    return misses


@pytest.mark.parametrize("part", ["tuning", "held_out"])
def test_a_wish_in_another_language_finds_the_request_meant_among_the_first_three(
    agent, cross_backlog, part
):
    queries = {"tuning": TUNING, "held_out": HELD_OUT}[part]

    misses = misses_among_the_first_three(agent, cross_backlog, queries)

    # The target is 90% for either part (docs/similar.md has the measured figures).
    assert len(misses) <= 0.1 * len(queries), misses


def results(agent, query):
    return [r["number"] for r in agent.get(URL, {"q": query}).json()]


def test_a_russian_query_finds_the_japanese_request_first(agent, db, embed_all):
    queue = FeatureRequestFactory(title="着信を複数の担当者に順番に振り分ける").number
    FeatureRequestFactory(title="通話の録音を自動で文字起こしする")
    FeatureRequestFactory(title="Запись звонков в карточке клиента")
    embed_all()

    assert results(agent, "распределение входящих звонков между менеджерами по очереди")[0] == queue


def test_an_error_code_tells_twin_requests_apart_in_another_language(agent, db, embed_all):
    e4012 = FeatureRequestFactory(title="Ошибка E-4012 при импорте контактов из CSV").number
    e4013 = FeatureRequestFactory(title="Ошибка E-4013 при импорте контактов из CSV").number
    embed_all()

    assert results(agent, "E-4013 エラー 連絡先のインポート")[:2] == [e4013, e4012]
    assert results(agent, "error E-4012 when importing contacts")[:2] == [e4012, e4013]
    assert results(agent, "E-4012")[0] == e4012


def test_a_version_number_tells_twin_defects_apart(agent, db, embed_all):
    new = FeatureRequestFactory(title="The iOS app 24.3 crashes when opening a group chat").number
    old = FeatureRequestFactory(title="The iOS app 23.1 crashes when opening a group chat").number
    embed_all()

    assert results(agent, "iOS 23.1 でグループチャットを開くとアプリが落ちる")[:2] == [old, new]
    assert results(agent, "приложение iOS 24.3 падает в групповом чате")[:2] == [new, old]


def test_an_integration_name_picks_its_integration(agent, db, embed_all):
    jira = FeatureRequestFactory(title="Jira integration: create a Jira issue from a task").number
    trello = FeatureRequestFactory(title="Trello integration: create a Trello card from a task")
    embed_all()

    assert results(agent, "Jira連携でタスクから課題を作る")[0] == jira
    assert results(agent, "интеграция с Trello")[0] == trello.number


def test_a_merged_request_in_another_language_stands_for_its_survivor(
    agent, channel, product_manager, embed_all
):
    survivor = log_intake("Book meeting rooms from the calendar", ref="c1").number
    duplicate = log_intake("会議室をカレンダーから予約したい", ref="c2").number
    services.request_merge(number=duplicate, into=survivor, by=product_manager)
    embed_all()

    assert results(agent, "бронирование переговорных комнат") == [survivor]


def test_off_topic_text_in_any_language_finds_nothing(agent, cross_backlog):
    for query in ["погода в Москве завтра", "猫が好きです", "recipe for apple pie"]:
        assert agent.get(URL, {"q": query}).json() == [], query


def test_with_an_encoder_that_sees_no_meaning_only_words_are_found(agent, db, settings, embed_all):
    settings.TRACKER_ENCODER = "tests.encoders.TextHashEncoder"
    queue = FeatureRequestFactory(title="着信を複数の担当者に順番に振り分ける").number
    embed_all()

    assert results(agent, "распределение входящих звонков по очереди") == []
    assert results(agent, "着信を複数の担当者に振り分ける") == [queue]


def test_each_result_has_number_title_status_and_similarity_best_first(agent, backlog):
    results = agent.get(URL, {"q": "export deals to excel"}).json()

    assert results[0] == {
        "number": backlog["xlsx"],
        "title": "Export deals to XLSX",
        "status": "under_review",
        "similarity": results[0]["similarity"],
        "language": "en",
    }
    similarities = [r["similarity"] for r in results]
    assert similarities == sorted(similarities, reverse=True)
    assert all(0 < s <= 1 for s in similarities)


def test_open_requests_come_before_closed_ones(agent, db, product_manager, embed_all):
    closed = FeatureRequestFactory(title="Export deals to XLSX").number
    services.request_transition(
        number=closed, status=Status.DECLINED, reason="not_planned", by=product_manager
    )
    open_one = FeatureRequestFactory(title="Export of deals to an XLSX file").number
    embed_all()

    numbers = [r["number"] for r in agent.get(URL, {"q": "Export deals to XLSX"}).json()]

    assert numbers == [open_one, closed]


def test_a_merged_request_stands_for_the_request_it_was_merged_into(
    agent, channel, product_manager, embed_all
):
    survivor = log_intake(title="Spreadsheet download of the pipeline", ref="c1").number
    duplicate = log_intake(title="Export deals to XLSX", ref="c2").number
    services.request_merge(number=duplicate, into=survivor, by=product_manager)
    embed_all()

    results = agent.get(URL, {"q": "export deals xlsx"}).json()

    assert [r["number"] for r in results] == [survivor]
    assert results[0]["status"] == "under_review"


def test_unrelated_text_finds_nothing(agent, backlog):
    assert agent.get(URL, {"q": "zebra quantum violin"}).json() == []


def test_the_limit_caps_the_answer(agent, backlog):
    assert len(agent.get(URL, {"q": "export", "limit": 1}).json()) == 1


def test_a_new_or_renamed_request_is_found_at_once(agent, db):
    request = FeatureRequestFactory(title="Colour labels for tasks")
    request.title = "Dark theme for the web interface"
    request.save(update_fields=["title"])

    numbers = [r["number"] for r in agent.get(URL, {"q": "dark theme"}).json()]
    assert numbers == [request.number]
    assert agent.get(URL, {"q": "colour labels"}).json() == []


def test_a_missing_query_is_a_400_naming_q(agent, db):
    response = agent.get(URL)

    assert response.status_code == 400
    assert errors_by_field(response)["q"]["code"] == "required"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's trigger-fed index")
def test_the_sqlite_index_is_repaired_after_a_migration_drops_its_triggers(agent, db, settings):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from tracker.search import SQLITE_TRIGGERS

    # The vector score would find the request without the index: an encoder that sees no
    # meaning leaves the trigram index to answer alone.
    settings.TRACKER_ENCODER = "tests.encoders.TextHashEncoder"
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    FeatureRequest.objects.create(title="Dark theme for the web interface")
    assert agent.get(URL, {"q": "dark theme"}).json() == []

    # What `migrate` sends when it has finished.
    tracker = apps.get_app_config("tracker")
    post_migrate.send(sender=tracker, app_config=tracker, verbosity=0, using="default", apps=apps)

    assert [r["title"] for r in agent.get(URL, {"q": "dark theme"}).json()] == [
        "Dark theme for the web interface"
    ]
    FeatureRequest.objects.create(title="Dark theme for the mobile app")
    assert len(agent.get(URL, {"q": "dark theme"}).json()) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram index")
def test_the_test_database_has_a_utf8_character_type(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        (ctype,) = cursor.fetchone()
    assert ctype.replace("-", "").lower().endswith("utf8")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram index")
def test_the_database_reads_cyrillic_and_kana_as_letters(db):
    # pg_trgm takes its idea of a letter from LC_CTYPE; under C or POSIX it would drop
    # every Russian and Japanese character and find nothing.
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity('сделки', 'сделок'), similarity('取引の', '取引を')")
        russian, japanese = cursor.fetchone()
    assert russian > 0.3
    assert japanese > 0.2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram index")
def test_the_title_has_a_gin_trigram_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'request_title_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin (title gin_trgm_ops)" in definition


def test_each_result_says_the_language_its_title_is_written_in(agent, db, embed_all):
    made = {
        FeatureRequestFactory(title="Export deals to XLSX").number: "en",
        FeatureRequestFactory(title="Выгрузка сделок в XLSX").number: "ru",
        FeatureRequestFactory(title="取引をXLSXにエクスポート").number: "ja",
    }
    embed_all()

    answer = agent.get(URL, {"q": "XLSX"}).json()

    assert {r["number"]: r["language"] for r in answer} == made


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
def test_past_the_word_budget_the_vectors_answer_alone(agent, db, settings, embed_all):
    meant = FeatureRequestFactory(title="着信を複数の担当者に順番に振り分ける").number
    embed_all()
    # Thousands of titles that share the query's words keep the trigram index busy.
    FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=f"Распределение входящих звонков между менеджерами, копия {i}",
            status=Status.DECLINED,
            decline_reason="not_planned",
        )
        for i in range(3000)
    )
    settings.TRACKER_SIMILAR_WORD_BUDGET_MS = 1

    answer = agent.get(URL, {"q": "распределение входящих звонков между менеджерами по очереди"})

    assert answer.status_code == 200
    assert answer.json()[0]["number"] == meant


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement timeout")
def test_a_statement_past_its_time_is_told_from_other_errors(db):
    from django.db import OperationalError, transaction

    from tracker.search import _cancelled

    with pytest.raises(OperationalError) as cancelled, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(0.2)")

    assert _cancelled(cancelled.value)
    assert not _cancelled(OperationalError("the server went away"))
