from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count

from tests.test_services import intake
from tracker.models import Account, Channel, FeatureRequest, Mention, Notification, Thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_development(settings):
    """Demo users are made only where DEBUG is on, as on a developer's machine."""
    settings.DEBUG = True


def snapshot():
    return {
        "requests": list(
            FeatureRequest.objects.order_by("number").values_list(
                "number", "status", "customer_count", "mention_count", "score"
            )
        ),
        "mentions": Mention.objects.count(),
        "accounts": Account.objects.count(),
        "threads": Thread.objects.count(),
        "channels": Channel.objects.count(),
        "notifications": Notification.objects.count(),
        "users": list(User.objects.values_list("username", "password")),
    }


def test_loaddemo_loads_multilingual_requests_in_every_status():
    out = StringIO()
    call_command("loaddemo", stdout=out)

    statuses = dict(FeatureRequest.objects.values_list("status").annotate(Count("number")))
    assert set(statuses) == {
        "under_review",
        "accepted",
        "in_progress",
        "done",
        "declined",
        "duplicate",
    }
    assert FeatureRequest.objects.count() >= 60
    assert Account.objects.values("plan").distinct().count() >= 4
    assert set(Thread.objects.values_list("language", flat=True)) == {"en", "ru", "ja"}
    assert FeatureRequest.objects.filter(title="Выгрузка сделок в Excel").exists()
    assert FeatureRequest.objects.filter(title="ダークモードに対応してほしい").exists()
    assert "Demo user pm (Product managers): password " in out.getvalue()
    pm = User.objects.get(username="pm")
    password = out.getvalue().split("Demo user pm (Product managers): password ")[1].split()[0]
    assert pm.check_password(password) and pm.is_staff
    assert pm.has_perm("tracker.decide_featurerequest")
    assert not User.objects.get(username="support").has_perm("tracker.decide_featurerequest")


def test_loaddemo_twice_changes_nothing():
    call_command("loaddemo", stdout=StringIO())
    before = snapshot()

    out = StringIO()
    call_command("loaddemo", stdout=out)

    assert snapshot() == before
    assert "password unchanged" in out.getvalue()


def test_loaddemo_makes_no_demo_users_in_production(settings):
    settings.DEBUG = False
    call_command("loaddemo", stdout=StringIO())
    assert not User.objects.exists()
    assert FeatureRequest.objects.exists()


def test_recompute_scores_applies_new_weights_with_a_progress_bar(channel, settings, capsys):
    number = intake(ref="a1", plan="free").request.number
    intake(ref="b1", account="b.com", plan="enterprise", request_number=number)
    before = FeatureRequest.objects.get(number=number).score
    settings.TRACKER_PLAN_WEIGHTS = {"free": 4, "enterprise": 4}
    settings.TRACKER_PRIORITY_POINTS = {"none": 100}

    out = StringIO()
    call_command("recompute_scores", "--batch-size", "1", stdout=out)

    request = FeatureRequest.objects.get(number=number)
    assert request.demand_weight == 8
    assert request.score == request.ranking().score != before
    assert "Recomputed 1 requests; 1 changed." in out.getvalue()
    assert "1/1" in capsys.readouterr().err


def test_recompute_scores_on_current_figures_changes_nothing(channel):
    intake(ref="a1")
    out = StringIO()
    call_command("recompute_scores", "--no-progress", stdout=out)
    assert "1 requests; 0 changed" in out.getvalue()
