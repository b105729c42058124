"""Stored vectors: made outside intake by `embed_requests` and the worker's thread, kept
current when the wording changes, and read by every process incrementally."""

import os
import signal
import threading
import time
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import FeatureRequestFactory
from tracker import services
from tracker.embeddings import get_encoder
from tracker.embeddings.store import VectorCache, forget_stored_vectors
from tracker.embeddings.worker import LEASE_KEY, embed_step, embedding_alongside
from tracker.models import FeatureRequest, RequestVector

URL = reverse("api-similar")
HASHING = "tests.encoders.TextHashEncoder"


@pytest.fixture
def agent(support_agent):
    return client_for(support_agent)


def embed(*args):
    out = StringIO()
    call_command("embed_requests", "--no-progress", *args, stdout=out)
    return out.getvalue()


def found(agent, query):
    return [r["number"] for r in agent.get(URL, {"q": query}).json()]


def test_embed_requests_stores_a_vector_for_every_request_with_a_progress_bar(db, capsys):
    numbers = [FeatureRequestFactory(title=f"Wish number {i}").number for i in range(3)]

    call_command("embed_requests", stdout=StringIO())

    stored = RequestVector.objects.order_by("request_id")
    assert [v.request_id for v in stored] == numbers
    vector = np.frombuffer(stored[0].vector, dtype="<f4")
    assert vector.shape == (get_encoder().dimension,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    assert {v.encoder for v in stored} == {"tracker.embeddings.use.UniversalSentenceEncoder"}
    assert "vectors: 100%" in capsys.readouterr().err


def test_running_it_again_makes_nothing_new(db):
    FeatureRequestFactory(title="Export deals to XLSX")
    embed()
    before = list(RequestVector.objects.values_list("request_id", "embedded_at"))

    out = embed()

    assert "Embedded 0 requests" in out
    assert list(RequestVector.objects.values_list("request_id", "embedded_at")) == before


def test_all_makes_every_vector_again(db):
    FeatureRequestFactory(title="Export deals to XLSX")
    embed()
    before = RequestVector.objects.get().embedded_at

    out = embed("--all")

    assert "Embedded 1 requests" in out
    assert RequestVector.objects.get().embedded_at > before


def test_a_new_request_is_found_by_its_words_before_its_vector_is_made(agent, embed_all):
    number = FeatureRequestFactory(title="Dark theme for the web interface").number

    assert found(agent, "dark theme for the web") == [number]
    # Across languages only its vector can find it.
    assert found(agent, "тёмная тема для веб-версии") == []
    embed_all()
    assert found(agent, "тёмная тема для веб-версии") == [number]


def test_an_edited_title_is_searched_by_its_new_meaning_once_its_vector_is_made_again(
    agent, embed_all, product_manager
):
    number = FeatureRequestFactory(title="Export deals to XLSX").number
    embed_all()
    assert found(agent, "выгрузка сделок в эксель") == [number]

    services.request_edit(
        number=number,
        title="Dark theme for the web interface",
        description="",
        kind="suggestion",
        by=product_manager,
    )

    # The old vector no longer speaks for it, and the new one is not made yet.
    assert found(agent, "выгрузка сделок в эксель") == []
    assert found(agent, "тёмная тема для веб-версии") == []
    assert "Embedded 1 requests" in embed()
    assert found(agent, "тёмная тема для веб-версии") == [number]


def test_vectors_stored_by_another_process_are_read_at_the_next_search(agent, embed_all):
    first = FeatureRequestFactory(title="Book meeting rooms from the calendar").number
    embed_all()
    assert found(agent, "予約 会議室 カレンダー") == [first]

    # Another machine logs a wish and its worker stores the vector; this process's copy
    # reads only that row.
    second = FeatureRequestFactory(title="Two-way sync with Outlook calendar").number
    embed_all()

    assert found(agent, "Outlookカレンダーと双方向で同期したい")[0] == second


def test_a_process_copy_reads_only_the_rows_stored_since_it_last_looked(
    db, settings, django_assert_max_num_queries
):
    settings.TRACKER_ENCODER = HASHING
    FeatureRequestFactory.create_batch(3)
    embed()
    cache = VectorCache(HASHING, get_encoder().dimension)
    assert len(cache.current()) == 3

    newer = FeatureRequestFactory().number
    embed()
    with django_assert_max_num_queries(3):
        vectors = cache.current()

    assert len(vectors) == 4
    assert vectors.row_of(newer) == 3


def test_vectors_of_another_encoder_are_made_again_and_never_mixed(agent, db, settings):
    number = FeatureRequestFactory(title="Dark theme for the web interface").number
    embed()
    settings.TRACKER_ENCODER = HASHING

    # The hashing encoder's space has other dimensions: the old vectors are not used.
    assert found(agent, "тёмная тема") == []
    assert "Embedded 1 requests" in embed()
    assert RequestVector.objects.get().encoder == HASHING
    assert found(agent, "Dark theme for the web interface") == [number]


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_missing_vectors_in_the_background(settings):
    settings.TRACKER_ENCODER = HASHING
    settings.TRACKER_EMBED_POLL_SECONDS = 0.05
    number = FeatureRequestFactory().number

    with embedding_alongside():
        wait_until(lambda: RequestVector.objects.filter(request_id=number).exists())
        later = FeatureRequestFactory().number
        wait_until(lambda: RequestVector.objects.filter(request_id=later).exists())


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux's scheduling classes")
@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_runs_only_on_cpu_time_nothing_else_wants(settings):
    # Making a vector takes tens of milliseconds of CPU: it must not come out of intakes.
    settings.TRACKER_EMBED_POLL_SECONDS = 0.05
    with embedding_alongside():
        thread = next(t for t in threading.enumerate() if t.name == "embed-requests")
        wait_until(lambda: os.sched_getscheduler(thread.native_id) == os.SCHED_IDLE)
    # The thread that started it keeps its own class.
    assert os.sched_getscheduler(threading.get_native_id()) == os.SCHED_OTHER


@pytest.mark.django_db(transaction=True)
def test_deliver_notifications_keeps_vectors_current_until_stopped(settings):
    settings.TRACKER_ENCODER = HASHING
    settings.TRACKER_EMBED_POLL_SECONDS = 0.05
    settings.TRACKER_NOTIFY_POLL_SECONDS = 0.05
    number = FeatureRequestFactory().number

    def stop_once_embedded():
        # Whatever happens, the worker is stopped: a vector never made must fail the
        # assertion below, not leave deliver_notifications running for ever.
        try:
            wait_until(lambda: RequestVector.objects.filter(request_id=number).exists())
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_once_embedded)
    stopper.start()
    call_command("deliver_notifications", stdout=StringIO())
    stopper.join()

    assert RequestVector.objects.filter(request_id=number).exists()


def test_deliver_notifications_once_makes_no_vectors(db, settings):
    settings.TRACKER_ENCODER = HASHING
    FeatureRequestFactory()

    call_command("deliver_notifications", "--once", stdout=StringIO())

    assert not RequestVector.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory lock")
@pytest.mark.django_db(transaction=True)
def test_one_worker_at_a_time_makes_vectors(settings):
    import psycopg

    settings.TRACKER_ENCODER = HASHING
    FeatureRequestFactory()
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"], user=db["USER"], autocommit=True
    ) as other_worker:
        other_worker.execute("SELECT pg_advisory_lock(%s)", [LEASE_KEY])

        assert embed_step(sweep=True).vectors == 0
        assert not RequestVector.objects.exists()

        other_worker.execute("SELECT pg_advisory_unlock(%s)", [LEASE_KEY])
    assert embed_step(sweep=True).vectors == 1


def test_a_copy_without_stored_vectors_is_empty(db, settings):
    settings.TRACKER_ENCODER = HASHING
    forget_stored_vectors()
    FeatureRequestFactory()

    assert len(VectorCache(HASHING, 1024).current()) == 0


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def holds(condition) -> bool:
    """The condition, or False while another thread's write locks the table: the test
    database on SQLite is in memory with a shared cache, whose table locks fail a reader at
    once ("database table is locked") instead of waiting like a file database does."""
    try:
        return condition()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return False


def test_the_stored_vector_is_the_request_text_vector(db, settings):
    settings.TRACKER_ENCODER = HASHING
    request = FeatureRequestFactory(title="Export deals", description="")
    embed()

    stored = np.frombuffer(RequestVector.objects.get().vector, dtype="<f4")

    assert np.allclose(stored, get_encoder().encode([request.title])[0])
    assert FeatureRequest.objects.filter(vector__isnull=False).count() == 1


def test_loaddemo_leaves_the_demo_fully_indexed(agent, settings):
    """`make run` runs loaddemo before it starts the server: the demo's similar search and
    duplicates queue work from the first page, before the worker has made anything."""
    from tracker.embeddings.store import missing_numbers, stale_numbers
    from tracker.models import LikelyDuplicate

    settings.DEBUG = True  # as `make run` has it
    out = StringIO()
    call_command("loaddemo", stdout=out)

    assert FeatureRequest.objects.count() >= 60
    assert RequestVector.objects.count() == FeatureRequest.objects.count()
    assert missing_numbers() == [] and stale_numbers() == []
    assert "request vectors made" in out.getvalue()
    # The demo's wishes raised twice in two languages wait in the duplicates queue.
    titles = dict(FeatureRequest.objects.values_list("title", "number"))
    pairs = {
        frozenset((first, second))
        for first, second in LikelyDuplicate.objects.values_list("first_id", "second_id")
    }
    for one, other in [
        ("Сортировка задач по приоритету", "タスクを優先度順に並べ替えたい"),
        ("Фильтр по тегам в списке задач", "Filter the task list by tags"),
    ]:
        assert frozenset((titles[one], titles[other])) in pairs
    # A Russian customer's words find the Japanese and English requests for the same wish.
    answer = agent.get(URL, {"q": "автоматическая расшифровка записей звонков"}).json()
    first_two = {r["number"] for r in answer[:2]}
    assert first_two == {
        titles["通話録音を自動で文字起こししたい"],
        titles["Transcribe call recordings automatically"],
    }
    # Merged requests are never offered: their survivor stands for them.
    offered = found(agent, "取引をExcelに出力")
    assert titles["Export deals to XLSX"] in offered[:3]
    assert not {titles["Export deals to Excel"], titles["Выгрузка сделок в Excel"]} & set(offered)
