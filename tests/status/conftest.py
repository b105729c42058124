import os
import socket

import pytest

from tests.factories import log_intake
from tracker import services
from tracker.choices import Criticality, Kind, Priority
from tracker.services import DefectReport
from tracker.status.store import cache


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate-limit counters and cached pages live in the cache; every test starts clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redis_url():
    """The Redis database these tests may use (STATUS_TEST_REDIS_URL, else 127.0.0.1:6379/0);
    the test is skipped when no Redis runs on 127.0.0.1:6379."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return os.environ.get("STATUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def export_request(channel, product_manager):
    """A request that two customers asked for, accepted with a public note."""
    request = log_intake(title="Export deals to XLSX", account="acme.bitrix24.com")
    log_intake(number=request.number, account="globex.bitrix24.com", ref="chat4712")
    services.request_transition(
        number=request.number,
        status="accepted",
        public_note="We will build it as part of the reports work.",
        by=product_manager,
    )
    request.refresh_from_db()
    return request


@pytest.fixture
def secret_laden_request(channel, product_manager):
    """A request full of things customers must never see on the public page."""
    request = log_intake(
        title="Kanban swimlanes",
        description="INTERNAL-DESCRIPTION roadmap item, see board 77",
        account="initech-secret.bitrix24.com",
        name="Initech Private Ltd",
        ref="chat-SECRET-REF-991",
        quote="CUSTOMER-WORDS our CFO will cancel the contract",
        criticality=Criticality.CRITICAL,
    )
    # A second customer's defect report on it, with its steps, results and a screenshot.
    log_intake(
        number=request.number,
        account="hooli-private.example",
        name="Hooli Confidential",
        ref="chat-SECRET-REF-992",
        kind=Kind.DEFECT,
        quote="CUSTOMER-WORDS the board freezes",
        report=DefectReport(
            steps="STEPS-SECRET open the board",
            started_how="STARTED-SECRET from the menu",
            expected="EXPECTED-SECRET lanes",
            actual="ACTUAL-SECRET a blank page",
            attachments=["https://files.example/SCREENSHOT-SECRET.png"],
        ),
    )
    services.request_set_priority(number=request.number, priority=Priority.P1, by=product_manager)
    services.request_set_criticality(
        number=request.number, criticality=Criticality.CRITICAL, by=product_manager
    )
    request.refresh_from_db()
    return request
