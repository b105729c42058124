"""The search over the customers' own words goes through an index (migration 0012): the
trigram GIN index on PostgreSQL, the FTS5 trigram table on SQLite; and finds exactly what
the unindexed comparison found, in any case and any alphabet."""

import pytest
from django.db import connection

from tests.factories import log_intake
from tracker.models import FeatureRequest, Mention

QUOTES = {
    "ru": "Нужна Выгрузка сделок по понедельникам",
    "ja": "サイボウズと同期したい、毎日",
    "quoted": 'He said "export now" twice',
    "ops": "Use AND or NEAR(a b) * in the filter",
    "en": "Dark theme for night shifts",
}


@pytest.fixture
def quoted(channel):
    return {
        key: log_intake(title=f"Wish {key}", quote=quote, account=f"{key}.example", ref=key).number
        for key, quote in QUOTES.items()
    }


def found(term):
    return sorted(Mention.objects.quoting(term).values_list("request_id", flat=True))


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("выгрузка", ["ru"]),
        ("ВЫГРУЗКА СДЕЛОК", ["ru"]),
        ("вЫгРуЗкА", ["ru"]),
        ("同期", ["ja"]),  # two characters: no trigram, compared one by one
        ("同", ["ja"]),
        ("サイボウズと同期", ["ja"]),
        ('"export now"', ["quoted"]),
        ('"', ["quoted"]),
        ("NEAR(a b) *", ["ops"]),
        ("and or", ["ops"]),
        ("night", ["en"]),
        ("e", ["quoted", "ops", "en"]),
        ("100%", []),
        ("понедельникам!", []),
    ],
)
def test_it_finds_what_the_plain_comparison_finds(quoted, term, expected):
    assert found(term) == sorted(quoted[key] for key in expected)
    plain = Mention.objects.filter(quote__unicode_icontains=term)
    assert found(term) == sorted(plain.values_list("request_id", flat=True))


def test_a_changed_or_deleted_quote_is_searched_as_it_is_now(quoted):
    Mention.objects.filter(request_id=quoted["en"]).update(quote="Светлая тема")
    FeatureRequest.objects.filter(number=quoted["ru"]).delete()

    assert found("night") == []
    assert found("выгрузка") == []
    assert found("светлая") == [quoted["en"]]


def test_the_backlog_search_finds_requests_by_their_quotes(quoted):
    numbers = FeatureRequest.objects.search("ボウズと同").values_list("number", flat=True)

    assert list(numbers) == [quoted["ja"]]


def test_the_search_goes_through_the_index(quoted):
    sql, params = Mention.objects.quoting("выгрузка").values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Five rows are cheaper to read than an index: ask whether it can be used.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    index = "mention_quote_trgm" if connection.vendor == "postgresql" else "tracker_mention_search"
    assert index in plan
