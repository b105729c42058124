"""API tokens are issued, rotated and revoked with `api_token` and from the token admin;
a rotated or revoked key stops working at once, and no page shows a key but the one
answering a rotation."""

from io import StringIO

import pytest
from django.contrib.admin import helpers
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api_token(*args):
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip()


def works(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api-requests")).status_code == 200


@pytest.fixture
def agent(db):
    return UserFactory(username="agent", groups=["Support staff"])


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


# --- the command ---------------------------------------------------------------------------


def test_create_prints_a_key_that_works(agent):
    key = api_token("create", "agent")

    assert Token.objects.get(user=agent).key == key
    assert works(key)


def test_create_refuses_a_user_who_has_a_token_and_prints_no_key(agent):
    key = api_token("create", "agent")

    with pytest.raises(CommandError, match="already has an API token") as refused:
        api_token("create", "agent")

    assert key not in str(refused.value)
    assert Token.objects.get(user=agent).key == key


def test_rotate_prints_a_new_key_and_the_old_one_stops_working(agent):
    old = api_token("create", "agent")

    new = api_token("rotate", "agent")

    assert new != old
    assert Token.objects.get(user=agent).key == new
    assert works(new) and not works(old)


def test_revoke_deletes_the_token_and_prints_no_key(agent):
    key = api_token("create", "agent")

    said = api_token("revoke", "agent")

    assert key not in said and "Revoked" in said
    assert not Token.objects.filter(user=agent).exists()
    assert not works(key)


def test_an_unknown_user_is_refused(db):
    with pytest.raises(CommandError, match="no user 'ghost'"):
        api_token("rotate", "ghost")


# --- the admin -----------------------------------------------------------------------------


def changelist():
    return reverse("admin:authtoken_tokenproxy_changelist")


def act(client, action, *users):
    return client.post(
        changelist(),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(user.pk) for user in users]},
    )


def test_the_token_list_names_users_and_never_shows_a_key(admin_client, agent):
    key = api_token("create", "agent")

    page = admin_client.get(changelist())
    # A token's own pages would be named by its key: there are none.
    token_pages = [
        admin_client.get(f"{changelist()}{agent.pk}/{view}/").status_code
        for view in ("change", "history", "delete")
    ]

    assert page.status_code == 200
    assert "agent" in page.content.decode()
    assert key not in page.content.decode()
    assert token_pages == [404, 404, 404]


def test_rotating_from_admin_shows_the_new_key_once_and_the_old_one_stops_working(
    admin_client, agent
):
    other = UserFactory(username="other", groups=["Support staff"])
    old = api_token("create", "agent")
    untouched = api_token("create", "other")

    answer = act(admin_client, "rotate", agent)

    new = Token.objects.get(user=agent).key
    assert new != old
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert new in answer.content.decode()
    assert works(new) and not works(old)
    assert Token.objects.get(user=other).key == untouched
    assert new not in admin_client.get(changelist()).content.decode()


def test_revoking_from_admin_deletes_the_token(admin_client, agent):
    key = api_token("create", "agent")

    answer = act(admin_client, "revoke", agent)

    assert answer.status_code == 302
    assert not Token.objects.filter(user=agent).exists()
    assert not works(key)


def test_staff_without_token_permissions_cannot_rotate(agent):
    key = api_token("create", "agent")
    client = Client()
    client.force_login(UserFactory(username="pm", is_staff=True, groups=["Product managers"]))

    answer = act(client, "rotate", agent)

    assert answer.status_code == 403
    assert Token.objects.get(user=agent).key == key
