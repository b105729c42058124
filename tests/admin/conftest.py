import pytest
from django.test import Client

from tests.factories import ChannelFactory, UserFactory, log_intake


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
    """tests.factories.log_intake, with the hooks-main channel it logs into by default."""
    return log_intake
