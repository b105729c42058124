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
