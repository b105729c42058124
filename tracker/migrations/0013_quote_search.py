"""Indexes for the admin's and the API's search over the customers' own words
(`Mention.quote`, `FeatureRequestQuerySet.search` through `MentionQuerySet.quoting`).

PostgreSQL: a GIN trigram index on the quote (pg_trgm, already there for titles since
0003), which serves the search's `ILIKE '%word%'`; built CONCURRENTLY, so that a deploy
does not stop intake while it is built over a million mentions. SQLite: an FTS5 table with
the trigram tokenizer over the quotes, fed by triggers, as 0003 does for titles. Neither
changes the models, so the migration state stays as it was. docs/admin.md says why
trigrams and not full-text search.

On SQLite, a later migration that remakes tracker_mention (Django does for, e.g., a new
NOT NULL column with a default) drops these triggers with the old table: make them again
after it (tests/test_quote_search.py fails otherwise). That is why this runs after
0012_rising_and_labels, which adds Mention.new_customer.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS mention_quote_trgm"
    " ON tracker_mention USING gin (quote gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS mention_quote_trgm"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE tracker_mention_search USING fts5("
    " quote, content='tracker_mention', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER tracker_mention_search_ai AFTER INSERT ON tracker_mention BEGIN"
    " INSERT INTO tracker_mention_search (rowid, quote) VALUES (new.id, new.quote); END",
    "CREATE TRIGGER tracker_mention_search_ad AFTER DELETE ON tracker_mention BEGIN"
    " INSERT INTO tracker_mention_search (tracker_mention_search, rowid, quote)"
    " VALUES ('delete', old.id, old.quote); END",
    "CREATE TRIGGER tracker_mention_search_au AFTER UPDATE OF quote ON tracker_mention"
    " BEGIN"
    " INSERT INTO tracker_mention_search (tracker_mention_search, rowid, quote)"
    " VALUES ('delete', old.id, old.quote);"
    " INSERT INTO tracker_mention_search (rowid, quote) VALUES (new.id, new.quote); END",
    "INSERT INTO tracker_mention_search (tracker_mention_search) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tracker_mention_search_au",
    "DROP TRIGGER IF EXISTS tracker_mention_search_ad",
    "DROP TRIGGER IF EXISTS tracker_mention_search_ai",
    "DROP TABLE IF EXISTS tracker_mention_search",
]


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("tracker", "0012_rising_and_labels")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
