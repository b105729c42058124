"""Similar-request search: "has a customer asked for this already?", in any language.

Two kinds of candidates, then one score. Every request's sentence embedding sits in one
matrix (tracker.embeddings.index), and the requests whose vectors are nearest the query's
are candidates: that finds a Japanese request for a Russian query. The database adds the
requests that share the query's words, through a trigram index (pg_trgm with a GIN index on
PostgreSQL, an FTS5 trigram table on SQLite; both made by migration 0003). The pure blend in
tracker.relevance then scores the union, so both databases rank alike (docs/similar.md).

Trigrams need care for Japanese: it has no spaces, so a short query such as 通知 is one
two-character "word" whose padded trigrams never occur inside a longer title. The word
score therefore also counts character bigrams of CJK text, and the candidate query falls
back to a substring match on the query's bigrams when both kinds of candidates are few.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.db.models import Q

from tracker.choices import OPEN_STATUSES, Status
from tracker.embeddings import encode
from tracker.embeddings.index import RequestVectors, request_text, text_hash
from tracker.embeddings.store import stored_vectors
from tracker.models import FeatureRequest
from tracker.relevance import (
    CJK,
    VECTOR_FLOOR,
    WORD,
    blend,
    exact_score,
    exact_tokens,
    grams,
    normalize,
    similarity,
    title_language,
)

# Word candidates from the trigram index, and vector candidates from the matrix.
CANDIDATES = 60
VECTOR_CANDIDATES = 50
# Below this blended score a candidate is noise, not a possible duplicate: off-topic
# queries score at most 0.11 against the test backlogs, the weakest paraphrase meant 0.19.
MIN_SIMILARITY = 0.15
# The word-similarity a title needs to be a word candidate on PostgreSQL: half of the
# query's trigrams in one stretch of the title. Looser thresholds found more paraphrases
# before the vectors did; now they only cost time (a loose pass over 100,000 titles that
# share common words took 90 ms, docs/similar.md), and the vectors find paraphrases.
PG_WORD_THRESHOLD = 0.5
# How long the word candidates may take on PostgreSQL: the setting
# TRACKER_SIMILAR_WORD_BUDGET_MS, 20 ms by default. A query of words that a large share of
# titles carry ("в мобильном приложении", "deals") makes the trigram index read long
# posting lists: up to 130 ms at 100,000 requests. Past the budget the query is cancelled
# and the vector candidates answer alone; the words still score every one of them.
QUERY_MAX = 500


@dataclass(frozen=True)
class Similar:
    number: int
    title: str
    status: str
    similarity: float
    # The language the title is written in (tracker.relevance.title_language).
    language: str


def similar_requests(
    *, query: str, limit: int = 10, vectors: RequestVectors | None = None
) -> list[Similar]:
    """The requests most like `query`, in any language, best first, open requests before
    closed ones. A request merged into another stands for its survivor, so agents attach
    to the request that is tracked now.

    `vectors` are the requests' embeddings; by default the stored ones, as this process
    holds them (tracker.embeddings.store). A request whose vector is not made yet, or was
    made from words since edited, is scored by its words alone until it is."""
    query = " ".join(query.split())[:QUERY_MAX]
    if not grams(query):
        return []
    if vectors is None:
        vectors = stored_vectors()
    vector = encode([query])[0]
    # A request whose cosine is at the floor has nothing but words in common with the
    # query, and the trigram index finds those.
    cosine = vectors.nearest_to(vector, VECTOR_CANDIDATES, above=VECTOR_FLOOR)
    numbers = list(cosine)
    numbers += [n for n in _candidates(query, found=len(numbers)) if n not in cosine]
    if not numbers:
        return []
    cosine |= vectors.cosines_of(vector, [n for n in numbers if n not in cosine])
    tokens = exact_tokens(query)
    rows = {
        r.number: r
        for r in FeatureRequest.objects.filter(number__in=numbers).only(
            "number", "title", "description", "status", "duplicate_of"
        )
    }
    best: dict[int, float] = {}
    for row in rows.values():
        current = vectors.made_from(row.number, text_hash(request_text(row.title, row.description)))
        score = blend(
            cosine=cosine.get(row.number, 0.0) if current else 0.0,
            word=similarity(query, row.title),
            exact=exact_score(tokens, row.title),
        )
        number = row.duplicate_of_id or row.number
        if score >= MIN_SIMILARITY and score > best.get(number, 0.0):
            best[number] = score
    survivors = {
        r.number: r
        for r in FeatureRequest.objects.filter(number__in=[n for n in best if n not in rows]).only(
            "number", "title", "status"
        )
    }
    survivors.update(rows)
    found = [
        Similar(
            number=n,
            title=survivors[n].title,
            status=survivors[n].status,
            similarity=s,
            language=title_language(survivors[n].title),
        )
        for n, s in best.items()
        if n in survivors
    ]
    found.sort(key=lambda s: (s.status not in OPEN_STATUSES, -s.similarity, s.number))
    return found[:limit]


def _candidates(query: str, *, found: int = 0) -> list[int]:
    """Requests that share the query's words; `found` candidates are there already."""
    if connection.vendor == "postgresql":
        numbers = _candidates_postgresql(query)
    elif connection.vendor == "sqlite":
        numbers = _candidates_sqlite(query)
    else:
        numbers = []
    if found + len(numbers) < CANDIDATES // 4:
        numbers += [n for n in _candidates_by_bigrams(query) if n not in numbers]
    return numbers


def _candidates_postgresql(query: str) -> list[int]:
    text = _without_short_words(normalize(query))
    budget = int(settings.TRACKER_SIMILAR_WORD_BUDGET_MS)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The GIN index answers `q <% title`. Without it the planner would score every
            # row: seconds on 100,000 requests. The settings hold for this transaction only.
            cursor.execute(
                "SELECT set_config('enable_seqscan', 'off', true),"
                " set_config('pg_trgm.word_similarity_threshold', %s, true),"
                " set_config('statement_timeout', %s, true)",
                [str(PG_WORD_THRESHOLD), str(budget)],
            )
            cursor.execute(
                "SELECT number FROM tracker_featurerequest WHERE %s <%% title"
                " ORDER BY word_similarity(%s, title) DESC, number LIMIT %s",
                [text, text, CANDIDATES],
            )
            numbers = [row[0] for row in cursor.fetchall()]
    except OperationalError as error:
        if not _cancelled(error):
            raise
        return []  # the savepoint's rollback undid the settings too
    if connection.in_atomic_block:
        # Inside a caller's transaction (an admin page, a test) the block above was a
        # savepoint, and settings made LOCAL outlive its release: put them back, or the
        # caller's next statements would run under the search's budget.
        with connection.cursor() as cursor:
            cursor.execute(
                "RESET enable_seqscan; RESET pg_trgm.word_similarity_threshold;"
                " RESET statement_timeout"
            )
    return numbers


def _cancelled(error: OperationalError) -> bool:
    """Whether PostgreSQL cancelled the statement because its time was up."""
    import psycopg

    return isinstance(error.__cause__, psycopg.errors.QueryCanceled)


def _without_short_words(text: str) -> str:
    """Drop words of one or two letters (in, to, в, из) from the index query: their
    trigrams are in a large share of all titles and slow the index scan down, while the
    score still counts them."""
    words = [w for w in WORD.findall(text) if len(w) > 2 or CJK.search(w)]
    return " ".join(words) or text


# The SQLite index, as migration 0003 makes it. SQLite alters a table by rebuilding it,
# which drops its triggers: any later migration that alters tracker_featurerequest leaves
# the index unfed. So after every `migrate` (tracker.apps connects it to post_migrate) the
# triggers are checked and, if one is gone, put back and the index rebuilt from the table.
SQLITE_TRIGGERS = {
    "tracker_request_search_ai": (
        "CREATE TRIGGER IF NOT EXISTS tracker_request_search_ai"
        " AFTER INSERT ON tracker_featurerequest BEGIN"
        " INSERT INTO tracker_request_search (rowid, title) VALUES (new.number, new.title); END"
    ),
    "tracker_request_search_ad": (
        "CREATE TRIGGER IF NOT EXISTS tracker_request_search_ad"
        " AFTER DELETE ON tracker_featurerequest BEGIN"
        " INSERT INTO tracker_request_search (tracker_request_search, rowid, title)"
        " VALUES ('delete', old.number, old.title); END"
    ),
    "tracker_request_search_au": (
        "CREATE TRIGGER IF NOT EXISTS tracker_request_search_au"
        " AFTER UPDATE OF title ON tracker_featurerequest BEGIN"
        " INSERT INTO tracker_request_search (tracker_request_search, rowid, title)"
        " VALUES ('delete', old.number, old.title);"
        " INSERT INTO tracker_request_search (rowid, title) VALUES (new.number, new.title); END"
    ),
}


def sqlite_index_repair(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Make sure the FTS5 index and its triggers exist; True if it had to repair them."""
    if connections[using].vendor != "sqlite":
        return False
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
            list(SQLITE_TRIGGERS),
        )
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return False
        with transaction.atomic(using=using):
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS tracker_request_search USING fts5("
                " title, content='tracker_featurerequest', content_rowid='number',"
                " tokenize='trigram')"
            )
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement)
            cursor.execute(
                "INSERT INTO tracker_request_search (tracker_request_search) VALUES ('rebuild')"
            )
        return True


def _candidates_sqlite(query: str) -> list[int]:
    # FTS5's trigram tokenizer matches any three-character substring; OR-ing the query's
    # trigrams and ranking by bm25 puts the titles sharing the most of them first.
    trigrams = sorted({g for g in grams(query) if len(g) == 3 and g.strip() == g and '"' not in g})
    if not trigrams:
        return []
    match = " OR ".join(f'"{g}"' for g in trigrams)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM tracker_request_search WHERE tracker_request_search MATCH %s"
            " ORDER BY bm25(tracker_request_search) LIMIT %s",
            [match, CANDIDATES],
        )
        return [row[0] for row in cursor.fetchall()]


def _candidates_by_bigrams(query: str) -> list[int]:
    """The fallback for short CJK queries that trigrams cannot see."""
    bigrams = sorted({g for g in grams(query) if len(g) <= 2 and CJK.search(g)})[:8]
    if not bigrams:
        return []
    match = Q()
    for gram in bigrams:
        match |= Q(title__contains=gram)
    return list(
        FeatureRequest.objects.filter(match)
        .exclude(status=Status.DUPLICATE)
        .order_by("-score", "number")
        .values_list("number", flat=True)[:CANDIDATES]
    )
