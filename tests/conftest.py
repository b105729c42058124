import psycopg
import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import ChannelFactory, UserFactory

# pg_trgm takes its idea of a letter from the database's LC_CTYPE: under C or POSIX every
# Cyrillic and kana character would vanish from the trigrams. The test database is made
# from a template with a UTF-8 locale, whatever the server's default.
UTF8_TEMPLATE = "tracker_test_template_utf8"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    with psycopg.connect(
        dbname="postgres",
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"],
        autocommit=True,
    ) as server:
        exists = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not server.execute(exists, [UTF8_TEMPLATE]).fetchone():
            try:
                server.execute(
                    f"CREATE DATABASE {UTF8_TEMPLATE} TEMPLATE template0 ENCODING 'UTF8'"
                    " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                )
            except psycopg.errors.DuplicateDatabase:
                pass  # another test run made it a moment ago
    database.setdefault("TEST", {})["TEMPLATE"] = UTF8_TEMPLATE


@pytest.fixture(autouse=True)
def in_the_default_language():
    """Each test starts in the site's language: a page a test client fetched leaves its
    language active in the thread (LocaleMiddleware activates, nothing deactivates), and the
    domain's errors are put into words when read, in the language active then."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def channel(db):
    return ChannelFactory()


@pytest.fixture
def product_manager(db):
    return UserFactory(username="pm", groups=["Product managers"])


@pytest.fixture
def support_agent(db):
    return UserFactory(username="agent", groups=["Support staff"])


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium through Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    # Playwright's sync API runs an event loop in this thread; allow the ORM here only,
    # since a leaked variable would reach later tests' subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def fresh_channel_copies():
    """Each test reads its own channels: a channel of a test rolled back can come again
    under the same slug with another id, and queryset updates send no signal."""
    from tracker.services.intake import forget_channel_copies

    forget_channel_copies()
    yield
    forget_channel_copies()


@pytest.fixture(autouse=True)
def fresh_vector_copies():
    """Each test starts with no process copy of stored vectors: the database under the
    copy is rolled back after every test, and SQLite gives the same numbers again."""
    from tracker.embeddings.store import forget_stored_vectors

    forget_stored_vectors()
    yield
    forget_stored_vectors()


@pytest.fixture
def embed_all():
    """Makes every missing or stale vector, as the worker does in the background."""
    from io import StringIO

    from django.core.management import call_command

    def embed():
        call_command("embed_requests", "--no-progress", stdout=StringIO())

    return embed
