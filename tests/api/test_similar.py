import pytest
from django.db import connection
from django.urls import reverse

from bench.similar_set import PARAPHRASES, TITLES
from tests.api.conftest import errors_by_field
from tests.factories import FeatureRequestFactory, log_intake
from tracker import services
from tracker.choices import Status
from tracker.models import FeatureRequest

URL = reverse("api-similar")


@pytest.fixture
def backlog(db):
    return {key: FeatureRequestFactory(title=title).number for key, title in TITLES.items()}


@pytest.mark.parametrize(("query", "meant"), PARAPHRASES)
def test_a_paraphrase_finds_the_request_meant_among_the_first_three(agent, backlog, query, meant):
    response = agent.get(URL, {"q": query})

    assert response.status_code == 200
    assert backlog[meant] in [r["number"] for r in response.json()[:3]]


def test_each_result_has_number_title_status_and_similarity_best_first(agent, backlog):
    results = agent.get(URL, {"q": "export deals to excel"}).json()

    assert results[0] == {
        "number": backlog["xlsx"],
        "title": "Export deals to XLSX",
        "status": "under_review",
        "similarity": results[0]["similarity"],
    }
    similarities = [r["similarity"] for r in results]
    assert similarities == sorted(similarities, reverse=True)
    assert all(0 < s <= 1 for s in similarities)


def test_open_requests_come_before_closed_ones(agent, db, product_manager):
    closed = FeatureRequestFactory(title="Export deals to XLSX").number
    services.request_transition(
        number=closed, status=Status.DECLINED, reason="not_planned", by=product_manager
    )
    open_one = FeatureRequestFactory(title="Export of deals to an XLSX file").number

    numbers = [r["number"] for r in agent.get(URL, {"q": "Export deals to XLSX"}).json()]

    assert numbers == [open_one, closed]


def test_a_merged_request_stands_for_the_request_it_was_merged_into(
    agent, channel, product_manager
):
    survivor = log_intake(title="Spreadsheet download of the pipeline", ref="c1").number
    duplicate = log_intake(title="Export deals to XLSX", ref="c2").number
    services.request_merge(number=duplicate, into=survivor, by=product_manager)

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
def test_the_sqlite_index_is_repaired_after_a_migration_drops_its_triggers(agent, db):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from tracker.search import SQLITE_TRIGGERS

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
