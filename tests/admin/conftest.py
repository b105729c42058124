import pytest
from django.test import Client

from tests.factories import ChannelFactory, UserFactory
from tracker.services import AccountData, ThreadData, intake_log


@pytest.fixture
def pm(db):
    return UserFactory(username="pm-anna", is_staff=True, groups=["Product managers"])


@pytest.fixture
def agent(db):
    return UserFactory(username="agent-oleg", is_staff=True, groups=["Support staff"])


@pytest.fixture
def nobody(db):
    return UserFactory(username="staff-without-group", is_staff=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pm_client(pm):
    return _client(pm)


@pytest.fixture
def agent_client(agent):
    return _client(agent)


@pytest.fixture
def nobody_client(nobody):
    return _client(nobody)


@pytest.fixture
def hooks(db):
    return ChannelFactory(slug="hooks-main", name="Generic webhook")


@pytest.fixture
def bitrix(db):
    return ChannelFactory(slug="b24-main", name="Bitrix24 portal")


@pytest.fixture
def log(hooks):
    """Logs a customer's wish through the intake service, as the chat integration does."""
    counter = iter(range(1, 10_000))

    def log(
        title=None,
        *,
        number=None,
        account="acme.bitrix24.com",
        plan="professional",
        channel="hooks-main",
        language="en",
        quote="",
        criticality="normal",
        description="",
        ref=None,
    ):
        return intake_log(
            account=AccountData(external_id=account, name=account.split(".")[0], plan=plan),
            thread=ThreadData(
                channel=channel, ref=ref or f"chat{next(counter)}", language=language
            ),
            request_number=number,
            title=title or "",
            description=description,
            criticality=criticality,
            quote=quote,
        ).request

    return log
