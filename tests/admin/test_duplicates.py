"""The duplicates queue: pairs of open requests likely the same wish, across languages,
strongest first, each with a link to the merge preview; "not the same" is remembered."""

from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.models import LikelyDuplicate
from tracker.services import request_merge, request_transition

QUEUE = reverse("admin:tracker_featurerequest_duplicates")
MERGE = reverse("admin:tracker_featurerequest_merge")


def embed(*args):
    call_command("embed_requests", "--no-progress", *args, stdout=StringIO())


def pairs_on(response):
    assert response.status_code == 200
    return [tuple(side.number for side in row.sides) for row in response.context["rows"]]


@pytest.fixture
def wishes(log):
    """Two wishes raised twice each in different languages, and neighbours that are not."""
    made = {
        "tags_en": log("Filter the task list by tags", account="a.example"),
        "tags_ru": log("Фильтр по тегам в списке задач", account="b.example", language="ru"),
        "logins_ja": log("ユーザーごとのログイン履歴を見たい", account="c.example", language="ja"),
        "logins_en": log("Sign-in history of every user", account="d.example"),
        "dark": log("Dark theme for the web interface", account="e.example"),
        "outlook": log("Two-way sync with the Outlook calendar", account="f.example"),
    }
    log(number=made["tags_ru"].number, account="g.example", language="ru")
    embed()
    return {key: request.number for key, request in made.items()}


def pair(wishes, a, b):
    return tuple(sorted((wishes[a], wishes[b])))


def test_it_lists_the_same_wish_across_languages_strongest_first(pm_client, wishes):
    response = pm_client.get(QUEUE)

    listed = pairs_on(response)
    assert set(listed[:2]) == {
        pair(wishes, "tags_en", "tags_ru"),
        pair(wishes, "logins_ja", "logins_en"),
    }
    for other in ("dark", "outlook"):
        assert all(wishes[other] not in p for p in listed[:2])
    scores = [row.similarity for row in response.context["rows"]]
    assert scores == sorted(scores, reverse=True)


def test_pairs_found_through_a_coarse_copy_are_the_same(pm_client, wishes, monkeypatch):
    from tracker.embeddings import index
    from tracker.embeddings.store import forget_stored_vectors

    listed = set(pairs_on(pm_client.get(QUEUE)))
    monkeypatch.setattr(index, "COARSE_FROM", 2)
    forget_stored_vectors()

    embed("--all")

    assert set(pairs_on(pm_client.get(QUEUE))) == listed


def test_each_pair_shows_both_titles_languages_customers_and_the_merge_preview(pm_client, wishes):
    response = pm_client.get(QUEUE)

    row = next(
        r
        for r in response.context["rows"]
        if pair(wishes, "tags_en", "tags_ru") == tuple(side.number for side in r.sides)
    )
    sides = {side.number: side for side in row.sides}
    assert sides[wishes["tags_ru"]].language == "ru"
    assert sides[wishes["tags_en"]].language == "en"
    assert sides[wishes["tags_ru"]].customers == "2 customers"
    html = response.content.decode()
    assert "Фильтр по тегам в списке задач" in html
    assert "Filter the task list by tags" in html
    assert "2 customers" in html
    link = urlparse(row.merge_url)
    assert link.path == MERGE
    assert parse_qs(link.query)["ids"] == ["{},{}".format(*pair(wishes, "tags_en", "tags_ru"))]
    preview = pm_client.get(row.merge_url)
    assert preview.status_code == 200
    assert {obj["obj"].number for obj in preview.context["rows"]} == set(sides)


def test_a_dismissed_pair_is_never_offered_again(pm_client, pm, wishes):
    first, second = pair(wishes, "tags_en", "tags_ru")

    response = pm_client.post(QUEUE, {"dismiss": f"{second},{first}"}, follow=True)

    assert (first, second) not in pairs_on(response)
    dismissed = LikelyDuplicate.objects.get(first_id=first, second_id=second)
    assert dismissed.dismissed_by == pm
    assert dismissed.dismissed_at is not None
    embed("--all")
    assert (first, second) not in pairs_on(pm_client.get(QUEUE))
    assert LikelyDuplicate.objects.get(first_id=first, second_id=second).dismissed_by == pm


def test_a_merged_or_closed_request_leaves_the_queue(pm_client, pm, wishes):
    request_merge(number=wishes["tags_ru"], into=wishes["tags_en"], by=pm)
    request_transition(number=wishes["logins_ja"], status="declined", reason="not_planned", by=pm)

    listed = pairs_on(pm_client.get(QUEUE))

    assert pair(wishes, "tags_en", "tags_ru") not in listed
    assert pair(wishes, "logins_ja", "logins_en") not in listed


def test_twin_titles_with_different_error_codes_are_not_a_pair(pm_client, log):
    log("Ошибка E-4012 при импорте контактов из CSV", account="a.example")
    log("Ошибка E-4013 при импорте контактов из CSV", account="b.example")
    embed()

    assert pairs_on(pm_client.get(QUEUE)) == []
    assert "No open requests look like the same wish." in pm_client.get(QUEUE).content.decode()


def test_dismissing_a_pair_that_is_not_in_the_queue_says_so(pm_client, wishes):
    response = pm_client.post(QUEUE, {"dismiss": f"{wishes['dark']},999999"}, follow=True)

    assert any("not a pair" in str(m) for m in response.context["messages"])
    assert not LikelyDuplicate.objects.filter(dismissed_at__isnull=False).exists()


def test_the_queue_pages_through_weaker_pairs(pm_client, log):
    requests = [log(f"Wish {i}", account=f"{i}.example").number for i in range(12)]
    LikelyDuplicate.objects.bulk_create(
        [
            LikelyDuplicate(first_id=a, second_id=b, similarity=0.4 + (i % 50) / 100)
            for i, (a, b) in enumerate((a, b) for a in requests for b in requests if a < b)
        ]
    )

    first = pm_client.get(QUEUE)
    second = pm_client.get(QUEUE, {"page": 2})

    assert len(first.context["rows"]) == 50
    assert first.context["next_page"] == 2
    assert set(pairs_on(first)).isdisjoint(pairs_on(second))
    assert min(r.similarity for r in first.context["rows"]) >= max(
        r.similarity for r in second.context["rows"]
    )


def test_support_staff_and_users_without_a_group_cannot_open_it(
    agent_client, nobody_client, wishes
):
    assert agent_client.get(QUEUE).status_code == 403
    assert nobody_client.get(QUEUE).status_code == 403
    first, second = pair(wishes, "tags_en", "tags_ru")
    assert agent_client.post(QUEUE, {"dismiss": f"{first},{second}"}).status_code == 403
    assert not LikelyDuplicate.objects.filter(dismissed_at__isnull=False).exists()


def test_the_backlog_links_product_managers_to_the_queue(pm_client, agent_client, db):
    backlog = reverse("admin:tracker_featurerequest_changelist")

    assert QUEUE in pm_client.get(backlog).content.decode()
    assert QUEUE not in agent_client.get(backlog).content.decode()
