from datetime import timedelta
from io import StringIO
from statistics import median

import pytest
from django.core.management import call_command
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker.models import Account, FeatureRequest, Mention, Thread
from tracker.rising import growth

pytestmark = pytest.mark.django_db


def test_generate_load_makes_the_sizes_asked_for_with_consistent_figures():
    out = StringIO()
    call_command(
        "generate_load",
        "--requests",
        "300",
        "--mentions",
        "3000",
        "--accounts",
        "150",
        "--threads",
        "600",
        "--no-progress",
        stdout=out,
    )

    assert FeatureRequest.objects.count() == 300
    assert Mention.objects.count() == 3000
    assert Account.objects.count() == 150
    assert Thread.objects.count() == 600
    assert "Generated 300 requests" in out.getvalue()
    # The figures written in bulk are exactly what a recount from the mentions gives.
    recount = StringIO()
    call_command("recompute_scores", "--no-progress", stdout=recount)
    assert "0 changed" in recount.getvalue()


def test_generated_demand_is_skewed_towards_a_few_requests():
    call_command("generate_load", "--scale", "0.005", "--no-progress", stdout=StringIO())

    counts = sorted(FeatureRequest.objects.values_list("mention_count", flat=True))
    assert counts[-1] >= 20 * max(1, median(counts))
    assert FeatureRequest.objects.filter(status="duplicate", duplicate_of__isnull=False).exists()
    assert set(Thread.objects.values_list("language", flat=True)) == {"en", "ru", "ja"}


def test_generate_load_can_run_twice_into_the_same_database():
    for _ in range(2):
        call_command("generate_load", "--scale", "0.001", "--no-progress", stdout=StringIO())
    assert FeatureRequest.objects.count() == 200


def test_generated_mentions_mark_each_customers_first_mention_as_new():
    call_command("generate_load", "--scale", "0.005", "--no-progress", stdout=StringIO())

    # The rule intake and merges keep: an account's earliest mention (the lowest id among
    # equals) of a request or of a request merged into it marks a new customer.
    first: dict[tuple[int, int], int] = {}
    mentions = Mention.objects.annotate(
        family=Coalesce("request__duplicate_of_id", "request_id"),
        account=F("thread__account_id"),
    ).order_by("created_at", "pk")
    for family, account, pk in mentions.values_list("family", "account", "pk"):
        first.setdefault((family, account), pk)
    marked = set(Mention.objects.filter(new_customer=True).values_list("pk", flat=True))

    assert marked == set(first.values())
    assert 0 < len(marked) < Mention.objects.count()


def test_the_rising_page_sees_the_generated_new_customers():
    call_command("generate_load", "--scale", "0.005", "--no-progress", stdout=StringIO())

    since = timezone.now() - timedelta(days=30)
    recent = Mention.objects.filter(new_customer=True, created_at__gte=since)
    rows = growth()

    assert recent.exists()
    assert sum(row.new[30] for row in rows) == recent.count()
