"""Failed admin sign-ins are throttled per username and per address (django-axes)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="198.51.100.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def signed_in(client):
    return client.get(reverse("admin:index")).status_code == 200


@pytest.fixture
def staff(db):
    return UserFactory(username="pm-anna", is_staff=True, groups=["Product managers"])


def fail(times, username, address="198.51.100.7"):
    return [sign_in(Client(), username, "wrong", address).status_code for _ in range(times)]


def test_the_right_password_is_refused_after_too_many_wrong_ones(staff, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(limit, staff.username) == [200] * (limit - 1) + [429]

    client = Client()
    refused = sign_in(client, staff.username, PASSWORD)

    assert refused.status_code == 429
    assert not signed_in(client)


def test_a_few_wrong_passwords_then_the_right_one_signs_in(staff, settings):
    fail(settings.AXES_FAILURE_LIMIT - 1, staff.username)

    client = Client()
    assert sign_in(client, staff.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_username_is_locked_out_from_every_address(staff, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(1, staff.username, address=f"203.0.113.{n + 1}")

    client = Client()
    assert sign_in(client, staff.username, PASSWORD, address="192.0.2.99").status_code == 429
    assert not signed_in(client)


def test_an_address_is_locked_out_for_every_username(staff, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(1, f"guess{n}", address="203.0.113.50")

    from_there, elsewhere = Client(), Client()
    assert sign_in(from_there, staff.username, PASSWORD, address="203.0.113.50").status_code == 429
    assert sign_in(elsewhere, staff.username, PASSWORD, address="192.0.2.1").status_code == 302
    assert signed_in(elsewhere) and not signed_in(from_there)


def test_after_the_cool_off_the_right_password_works_again(staff, settings):
    fail(settings.AXES_FAILURE_LIMIT, staff.username)
    # As if the cool-off had passed since the last failure.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    client = Client()
    assert sign_in(client, staff.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_axes_reset_lifts_the_lock_out_at_once(staff, settings):
    fail(settings.AXES_FAILURE_LIMIT, staff.username)
    assert sign_in(Client(), staff.username, PASSWORD).status_code == 429

    call_command("axes_reset", verbosity=0)

    client = Client()
    assert sign_in(client, staff.username, PASSWORD).status_code == 302
    assert signed_in(client)
