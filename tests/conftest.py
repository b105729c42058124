import pytest

from tests.factories import ChannelFactory, UserFactory


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
