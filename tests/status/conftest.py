import pytest

from tracker import services
from tracker.choices import Criticality, Kind, Plan, Priority
from tracker.services import AccountData, DefectReport, ThreadData
from tracker.status.store import cache


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate-limit counters and cached pages live in the cache; every test starts clean.
    cache.clear()
    yield
    cache.clear()


def log(channel, *, title="", number=None, account="acme.bitrix24.com", ref="chat4711", **kw):
    """Log one customer's thread against a request through the intake service."""
    return services.intake_log(
        account=AccountData(external_id=account, name=kw.pop("name", ""), plan=Plan.PROFESSIONAL),
        thread=ThreadData(channel=channel.slug, ref=ref, language=kw.pop("language", "en")),
        title=title,
        request_number=number,
        **kw,
    ).request


@pytest.fixture
def export_request(channel, product_manager):
    """A request that two customers asked for, accepted with a public note."""
    request = log(channel, title="Export deals to XLSX", account="acme.bitrix24.com")
    log(channel, number=request.number, account="globex.bitrix24.com", ref="chat4712")
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
    request = log(
        channel,
        title="Kanban swimlanes",
        description="INTERNAL-DESCRIPTION roadmap item, see board 77",
        account="initech-secret.bitrix24.com",
        name="Initech Private Ltd",
        ref="chat-SECRET-REF-991",
        quote="CUSTOMER-WORDS our CFO will cancel the contract",
        criticality=Criticality.CRITICAL,
    )
    # A second customer's defect report on it, with its steps, results and a screenshot.
    log(
        channel,
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
