"""The quality sets of the similar search are what issue #13 asks for: at least 30
requests that are close neighbours in English, Russian and Japanese, at least 30 queries
each in another language than its request, a held-out part kept apart from the tuning
part, and the same-language set beside them. tests/api/test_similar.py measures the search
on them, on SQLite and on PostgreSQL."""

from collections import Counter

from bench.similar_cross_set import HELD_OUT, REQUESTS, TUNING
from bench.similar_set import PARAPHRASES, TITLES
from tracker.relevance import title_language


def test_the_cross_language_set_has_thirty_close_neighbours_in_three_languages():
    languages = Counter(language for language, _ in REQUESTS.values())

    assert len(REQUESTS) >= 30
    assert set(languages) == {"en", "ru", "ja"}
    assert min(languages.values()) >= 10
    # Each request is written in the language it says.
    assert all(title_language(title) == language for language, title in REQUESTS.values())
    # Close neighbours: several wishes about each module, as the key's prefix names it.
    modules = Counter(key.split("_")[0] for key in REQUESTS)
    assert sum(count for count in modules.values() if count >= 2) >= 30


def test_every_cross_language_query_is_in_another_language_than_its_request():
    queries = TUNING + HELD_OUT

    assert len(queries) >= 30
    assert {meant for _, meant in queries} <= set(REQUESTS)
    same = [(q, m) for q, m in queries if title_language(q) == REQUESTS[m][0]]
    assert not same
    # Queries in every language, aimed at requests in every language.
    assert {title_language(q) for q, _ in queries} == {"en", "ru", "ja"}
    assert {REQUESTS[m][0] for _, m in queries} == {"en", "ru", "ja"}


def test_the_held_out_part_is_apart_from_the_tuning_part():
    assert len(HELD_OUT) >= 10
    assert not {q for q, _ in HELD_OUT} & {q for q, _ in TUNING}


def test_the_same_language_set_asks_in_the_language_of_its_request():
    assert len(PARAPHRASES) >= 25
    assert {meant for _, meant in PARAPHRASES} <= set(TITLES)
    assert all(title_language(q) == title_language(TITLES[m]) for q, m in PARAPHRASES)
