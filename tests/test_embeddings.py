import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.encoders import TextHashEncoder
from tests.factories import FeatureRequestFactory
from tracker.embeddings import Encoder, encode, get_encoder
from tracker.embeddings.index import (
    DESCRIPTION_WEIGHT,
    RequestText,
    RequestVectors,
    embed_requests,
)
from tracker.embeddings.use import UniversalSentenceEncoder
from tracker.search import similar_requests


def test_the_default_encoder_is_the_multilingual_universal_sentence_encoder():
    encoder = get_encoder()

    assert isinstance(encoder, UniversalSentenceEncoder)
    assert isinstance(encoder, Encoder)
    assert get_encoder() is encoder


def test_the_default_encoder_gives_unit_vectors_that_match_a_wish_across_languages():
    vectors = encode(
        [
            "Export deals to Excel",
            "Выгрузка сделок в Excel",
            "取引をExcelにエクスポートする",
            "Dark theme for the mobile app",
        ]
    )

    assert vectors.shape == (4, 512)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = vectors @ vectors[0]
    assert min(cosines[1], cosines[2]) > cosines[3] + 0.2


def test_encoding_nothing_gives_an_empty_matrix_of_the_right_width():
    assert encode([]).shape == (0, 512)


def test_the_setting_chooses_the_encoder(settings):
    settings.TRACKER_ENCODER = "tests.encoders.TextHashEncoder"

    assert isinstance(get_encoder(), TextHashEncoder)
    assert encode(["a", "b"]).shape == (2, TextHashEncoder.dimension)

    settings.TRACKER_ENCODER = "tracker.embeddings.use.UniversalSentenceEncoder"
    assert isinstance(get_encoder(), UniversalSentenceEncoder)


def fresh_settings(**environment):
    """The search's settings as a freshly started process reads them from its environment."""
    names = [
        "TRACKER_ENCODER",
        "TRACKER_EMBED_POLL_SECONDS",
        "TRACKER_EMBED_SWEEP_SECONDS",
        "TRACKER_SIMILAR_WORD_BUDGET_MS",
    ]
    code = (
        "import django; django.setup(); from django.conf import settings;"
        f" print(*[getattr(settings, n) for n in {names!r}])"
    )
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings", **environment)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.split()


def test_the_search_settings_have_defaults_that_work_on_a_fresh_machine():
    assert fresh_settings() == [
        "tracker.embeddings.use.UniversalSentenceEncoder",
        "2.0",
        "60.0",
        "20",
    ]


def test_an_operator_sets_the_encoder_and_the_search_timings_in_the_environment():
    assert fresh_settings(
        TRACKER_ENCODER="tests.encoders.TextHashEncoder",
        TRACKER_EMBED_POLL_SECONDS="0.5",
        TRACKER_EMBED_SWEEP_SECONDS="600",
        TRACKER_SIMILAR_WORD_BUDGET_MS="35",
    ) == ["tests.encoders.TextHashEncoder", "0.5", "600.0", "35"]


@pytest.mark.parametrize(
    "path",
    ["tests.encoders.NoSuchEncoder", "no_such_module.Encoder", "tests.encoders.NotAnEncoder"],
)
def test_a_setting_that_names_no_encoder_is_a_configuration_error(settings, path):
    settings.TRACKER_ENCODER = path

    with pytest.raises(ImproperlyConfigured, match="TRACKER_ENCODER"):
        get_encoder()


def unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_request_vectors_keep_their_rows_in_number_order():
    vectors = RequestVectors.of(
        [30, 10, 20], np.stack([unit(0, 0, 1), unit(1, 0, 0), unit(0, 1, 0)])
    )

    assert list(vectors.numbers) == [10, 20, 30]
    assert list(vectors.cosines(unit(1, 0, 0))) == [1.0, 0.0, 0.0]


def test_the_nearest_requests_come_best_first_above_the_bar():
    vectors = RequestVectors.of(
        [1, 2, 3, 4], np.stack([unit(1, 0), unit(0, 1), unit(1, 1), unit(-1, 0)])
    )
    cosines = vectors.cosines(unit(1, 0.1))

    assert vectors.nearest(cosines, 2) == [1, 3]
    assert vectors.nearest(cosines, 10) == [1, 3, 2, 4]
    assert vectors.nearest(cosines, 10, above=0.5) == [1, 3]
    assert vectors.nearest(cosines, 0) == []


def test_the_cosine_of_a_request_without_a_vector_is_left_out():
    vectors = RequestVectors.of([5, 7], np.stack([unit(1, 0), unit(0, 1)]))
    cosines = vectors.cosines(unit(1, 0))

    assert vectors.cosine_of(cosines, [7, 6, 5, 99, 1]) == {5: 1.0, 7: 0.0}


def test_no_requests_have_no_neighbours():
    vectors = RequestVectors.of([], np.zeros((0, 3), dtype=np.float32))
    cosines = vectors.cosines(unit(1, 0, 0))

    assert vectors.nearest(cosines, 5) == []
    assert vectors.cosine_of(cosines, [1]) == {}


def test_numbers_and_vectors_must_pair_up():
    with pytest.raises(ValueError, match="2 numbers for 1 vectors"):
        RequestVectors.of([1, 2], np.stack([unit(1, 0)]))


class CountingEncoder(TextHashEncoder):
    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += texts
        return super().encode(texts)


def test_a_request_vector_is_the_mean_of_its_titles_and_half_its_description():
    encoder = CountingEncoder()
    en, ru, description = "Export deals", "Выгрузка сделок", "Managers need it monthly"

    got = embed_requests(
        [
            RequestText(titles=(en,)),
            RequestText(titles=(en, ru)),
            RequestText(titles=(en,), description=description),
            RequestText(titles=(en,), description="  "),
        ],
        encoder,
    )

    e, r, d = TextHashEncoder().encode([en, ru, description])
    assert np.allclose(got[0], e)
    assert np.allclose(got[1], (e + r) / np.linalg.norm(e + r))
    mixed = e + DESCRIPTION_WEIGHT * d
    assert np.allclose(got[2], mixed / np.linalg.norm(mixed))
    assert np.allclose(got[3], e)
    assert encoder.seen == [en, ru, description]


def test_embedding_no_requests_gives_an_empty_matrix():
    assert embed_requests([], TextHashEncoder()).shape == (0, TextHashEncoder.dimension)


def test_the_search_uses_the_vectors_it_is_given(db, settings):
    # Where the vectors come from is the caller's choice: stored ones, for instance.
    settings.TRACKER_ENCODER = "tests.encoders.TextHashEncoder"
    meant = FeatureRequestFactory(title="Voice menu outside working hours").number
    other = FeatureRequestFactory(title="Voice menu inside working hours").number
    query = "совсем другие слова"
    vectors = RequestVectors.of([meant, other], TextHashEncoder().encode([query, "something else"]))

    found = similar_requests(query=query, vectors=vectors)

    assert [s.number for s in found] == [meant]
    assert found[0].similarity == pytest.approx(0.7)


def clustered(count, width, latent, rng):
    """Unit vectors that mostly live in `latent` directions, as sentence vectors do."""
    vectors = rng.standard_normal((count, latent)) @ rng.standard_normal((latent, width))
    vectors += 0.05 * rng.standard_normal((count, width))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_the_coarse_copy_finds_the_same_nearest_requests_as_every_vector(monkeypatch):
    from tracker.embeddings import index

    monkeypatch.setattr(index, "COARSE_KEEP", 200)
    rng = np.random.default_rng(1)
    matrix = clustered(6000, 96, 24, rng)
    exact = RequestVectors.of(range(1, 6001), matrix)
    basis = index.principal_directions(matrix, 32)
    coarse = RequestVectors(
        numbers=exact.numbers,
        matrix=exact.matrix,
        rows=exact.rows,
        coarse=exact.matrix @ basis,
        basis=basis,
    )

    found = total = 0
    for query in clustered(30, 96, 24, rng):
        meant = exact.nearest_to(query, 10)
        got = coarse.nearest_to(query, 10)
        found += len(set(meant) & set(got))
        total += len(meant)
        for number in set(meant) & set(got):
            assert got[number] == pytest.approx(meant[number], abs=1e-5)  # exact cosines

    assert found / total >= 0.98


def test_the_cosines_of_given_requests_are_exact_and_skip_unknown_ones():
    vectors = RequestVectors.of([5, 7], np.stack([unit(1, 0), unit(0, 1)]))

    assert vectors.cosines_of(unit(1, 1), [7, 6, 5]) == pytest.approx({7: 0.7071, 5: 0.7071}, 1e-3)
    assert vectors.cosines_of(unit(1, 1), [6]) == {}


def test_a_process_copy_of_enough_vectors_searches_through_a_coarse_copy(
    db, settings, monkeypatch, embed_all
):
    from tracker.embeddings import index
    from tracker.embeddings.store import stored_vectors

    settings.TRACKER_ENCODER = "tests.encoders.TextHashEncoder"
    monkeypatch.setattr(index, "COARSE_FROM", 4)
    monkeypatch.setattr(index, "COARSE_KEEP", 2)
    titles = ["Voice menu outside working hours", "Dark theme", "Export deals", "Book rooms"]
    numbers = [FeatureRequestFactory(title=title).number for title in titles]
    embed_all()

    vectors = stored_vectors()

    assert vectors.coarse is not None and vectors.coarse.shape == (4, index.COARSE_DIMENSIONS)
    query = TextHashEncoder().encode(["Dark theme"])[0]
    assert list(vectors.nearest_to(query, 1)) == [numbers[1]]
    newer = FeatureRequestFactory(title="Quiet hours").number
    embed_all()
    query = TextHashEncoder().encode(["Quiet hours"])[0]
    assert list(stored_vectors().nearest_to(query, 1)) == [newer]
