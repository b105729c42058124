"""The backlog's search box folds the case of every alphabet, on SQLite as on PostgreSQL:
SQLite's own LIKE folds ASCII letters only."""

import pytest
from django.urls import reverse

BACKLOG = reverse("admin:tracker_featurerequest_changelist")


def listed(response):
    return [row.number for row in response.context["cl"].result_list]


@pytest.fixture
def wishes(log):
    return {
        "title": log("Выгрузка сделок в Excel").number,
        "description": log("Deals to XLSX", description="ВЫГРУЗКА КАЖДЫЙ МЕСЯЦ").number,
        "quote": log("Monthly export", quote="Нужна Выгрузка по понедельникам").number,
        "greek": log("Ελληνικά: Εξαγωγή").number,
        "other": log("Dark mode", quote="тёмная тема").number,
    }


@pytest.mark.parametrize("term", ["выгрузка", "ВЫГРУЗКА", "Выгрузка", "вЫгРуЗкА"])
def test_a_cyrillic_term_finds_titles_descriptions_and_quotes_in_any_case(pm_client, wishes, term):
    found = listed(pm_client.get(BACKLOG, {"q": term}))

    assert sorted(found) == sorted([wishes["title"], wishes["description"], wishes["quote"]])


def test_any_alphabet_is_folded(pm_client, wishes):
    assert listed(pm_client.get(BACKLOG, {"q": "εξαγωγή"})) == [wishes["greek"]]


def test_like_wildcards_in_a_term_are_plain_characters(pm_client, wishes, log):
    percent = log("Скидка 100% на выгрузку").number

    assert listed(pm_client.get(BACKLOG, {"q": "100%"})) == [percent]
    assert listed(pm_client.get(BACKLOG, {"q": "_"})) == []
