import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory


def client_for(user=None):
    """An API client that authenticates with the user's token, as the chat integration does."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous(db):
    return APIClient()


@pytest.fixture
def agent(support_agent):
    return client_for(support_agent)


@pytest.fixture
def pm(product_manager):
    return client_for(product_manager)


@pytest.fixture
def stranger(db):
    """Signed in, but in no group."""
    return client_for(UserFactory(username="stranger"))


# The parts of a complete defect report, as intake takes them.
DEFECT = {
    "kind": "defect",
    "steps": "Open Deals, choose Export, pick XLSX",
    "started_how": "From the deal list toolbar",
    "expected": "An XLSX file downloads",
    "actual": "A blank page",
    "attachments": ["https://files.example.com/screen1.png"],
}


def intake_payload(**overrides):
    payload = {
        "account": {"external_id": "acme.bitrix24.com", "name": "Acme", "plan": "professional"},
        "thread": {"channel": "hooks-main", "ref": "chat4711", "language": "ru"},
        "title": "Export deals to XLSX",
        "description": "Sales managers need the deal list in Excel.",
        "kind": "suggestion",
        "criticality": "high",
        "quote": "Нам очень нужна выгрузка сделок в Excel",
    }
    payload.update(overrides)
    return payload


def errors_by_field(response):
    return {e["field"]: e for e in response.json()["errors"]}
