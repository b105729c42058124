import pytest

from tracker.relevance import (
    EXACT_LIFT,
    VECTOR_FLOOR,
    VECTOR_FULL,
    VECTOR_WEIGHT,
    blend,
    exact_score,
    exact_tokens,
    pair_score,
    similarity,
    title_language,
    vector_score,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # Codes and versions count in any language.
        ("error E-4012 when importing contacts", {"e-4012"}),
        ("iOS 24.3 crashes", {"ios", "24.3"}),
        ("2fa via sms code", {"2fa"}),
        # Latin words inside Russian or Japanese text are names.
        ("интеграция с Trello", {"trello"}),
        ("Jira連携でタスクからJiraの課題を作成", {"jira"}),
        ("ｉＯＳアプリ", {"ios"}),  # full-width Latin, as Japanese keyboards type it
        # Capitalised inside English text; the first word is only a sentence's start.
        ("two-way sync with Outlook calendar", {"outlook"}),
        ("Copy the product rows when a deal is copied", set()),
        ("connect our own Asterisk PBX", {"asterisk", "pbx"}),
        ("Jira integration: create a Jira issue", {"jira"}),
        # Plain words, and single characters, are not tokens.
        ("dark mode in the mobile app", set()),
        ("A B C", set()),
        ("тёмная тема", set()),
    ],
)
def test_exact_tokens_are_names_and_codes_that_no_translation_changes(text, tokens):
    assert exact_tokens(text) == tokens


@pytest.mark.parametrize(
    ("query", "title", "score"),
    [
        ("E-4012 エラー", "Ошибка E-4012 при импорте", 1.0),
        ("E-4012 エラー", "Ошибка E-4013 при импорте", 0.0),
        ("iOS 24.3 が落ちる", "The iOS app 23.1 crashes", 0.5),
        ("интеграция с JIRA", "Jira integration", 1.0),
        # A token must be whole: 24.3 is not in 24.31.
        ("iOS 24.3 が落ちる", "The iOS app 24.31 crashes", 0.5),
        ("dark mode", "Dark mode", 0.0),
    ],
)
def test_the_exact_score_is_the_share_of_the_querys_tokens_in_the_title(query, title, score):
    assert exact_score(exact_tokens(query), title) == score


@pytest.mark.parametrize(
    ("cosine", "score"),
    [
        (-0.3, 0.0),
        (VECTOR_FLOOR, 0.0),
        ((VECTOR_FLOOR + VECTOR_FULL) / 2, 0.5),
        (VECTOR_FULL, 1.0),
        (1.0, 1.0),
    ],
)
def test_the_vector_score_is_zero_up_to_the_floor_and_one_from_the_full_mark(cosine, score):
    assert vector_score(cosine) == pytest.approx(score)


@pytest.mark.parametrize(
    ("cosine", "word", "exact", "score"),
    [
        # Nothing in common.
        (0.0, 0.0, 0.0, 0.0),
        # The same text: every signal at its top.
        (1.0, 1.0, 1.0, 1.0),
        # A paraphrase in another language: the vector alone carries it.
        (VECTOR_FULL, 0.0, 0.0, VECTOR_WEIGHT),
        # Same words, meaning unseen.
        (VECTOR_FLOOR, 1.0, 0.0, 1 - VECTOR_WEIGHT),
        # All of the query's codes lift a title a share EXACT_LIFT of the way to 1.
        (VECTOR_FLOOR, 0.0, 1.0, EXACT_LIFT),
        (VECTOR_FULL, 0.0, 1.0, VECTOR_WEIGHT + EXACT_LIFT * (1 - VECTOR_WEIGHT)),
    ],
)
def test_the_blend_of_vector_word_and_exact_scores(cosine, word, exact, score):
    assert blend(cosine=cosine, word=word, exact=exact) == pytest.approx(score, abs=0.001)


def test_a_shared_code_outweighs_a_slightly_closer_vector():
    # Embeddings place E-4012 and E-4013 twins about 0.015 apart in cosine.
    right = blend(cosine=0.60, word=0.05, exact=1.0)
    twin = blend(cosine=0.615, word=0.05, exact=0.0)

    assert right > twin + 0.1


def test_the_blend_grows_with_every_signal():
    base = blend(cosine=0.5, word=0.3, exact=0.5)

    assert blend(cosine=0.6, word=0.3, exact=0.5) > base
    assert blend(cosine=0.5, word=0.4, exact=0.5) > base
    assert blend(cosine=0.5, word=0.3, exact=1.0) > base


def test_the_word_score_covers_a_short_japanese_query_inside_a_longer_title():
    assert similarity("印鑑", "請求書に会社の印鑑画像を入れたい") > 0.1
    assert similarity("印鑑", "取引一覧をCSVでエクスポートしたい") == 0.0


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("Export deals to XLSX", "en"),
        ("Выгрузка сделок в Excel", "ru"),
        ("интеграция с Jira", "ru"),
        ("取引をExcelにエクスポートしたい", "ja"),
        ("Jira連携", "ja"),
        ("ｶﾞﾝﾄﾁｬｰﾄ", "ja"),
        ("E-4012", "en"),
        ("", "en"),
    ],
)
def test_a_title_is_in_the_language_of_its_script(title, language):
    assert title_language(title) == language


@pytest.mark.parametrize(
    ("cosine", "first", "second", "expected"),
    [
        # The vector score alone, when the titles share no word.
        (0.9, "Filter the task list by tags", "Фильтр по тегам в списке задач", 0.7),
        (0.2, "Filter the task list by tags", "Фильтр по тегам в списке задач", 0.0),
        # A shared product name lifts nothing: two wishes about one product score by
        # their words alone.
        (0.2, "Export deals to XLSX", "Contact import from XLSX", "words"),
        # Different codes are different wishes, however alike the rest.
        (0.99, "Ошибка E-4012 при импорте", "Ошибка E-4013 при импорте", 0.0),
        (0.99, "iOS 24.3 crashes", "iOS 23.1 crashes", 0.0),
        # The same code in both is no obstacle; a code on one side only is none either.
        (0.9, "Ошибка E-4012 при импорте", "E-4012 error on import", None),
        (0.9, "Ошибка при импорте", "E-4012 error on import", None),
    ],
)
def test_a_pair_is_scored_by_the_blend_both_ways_without_the_exact_lift(
    cosine, first, second, expected
):
    score = pair_score(cosine=cosine, first=first, second=second)

    if expected is None:
        assert score >= 0.7
    elif expected == "words":
        words = (similarity(first, second) + similarity(second, first)) / 2
        assert score == pytest.approx((1 - VECTOR_WEIGHT) * words, abs=0.001)
    else:
        assert score == pytest.approx(expected, abs=0.02)
    assert score == pair_score(cosine=cosine, first=second, second=first)
