"""Indexes for similar-request search (tracker.search).

PostgreSQL: pg_trgm and a GIN trigram index on the title. SQLite: an FTS5 table with the
trigram tokenizer over the title, kept in step with the requests by triggers. Neither
changes the models, so the migration state stays as it was.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS request_title_trgm"
    " ON tracker_featurerequest USING gin (title gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS request_title_trgm"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE tracker_request_search USING fts5("
    " title, content='tracker_featurerequest', content_rowid='number', tokenize='trigram')",
    "CREATE TRIGGER tracker_request_search_ai AFTER INSERT ON tracker_featurerequest BEGIN"
    " INSERT INTO tracker_request_search (rowid, title) VALUES (new.number, new.title); END",
    "CREATE TRIGGER tracker_request_search_ad AFTER DELETE ON tracker_featurerequest BEGIN"
    " INSERT INTO tracker_request_search (tracker_request_search, rowid, title)"
    " VALUES ('delete', old.number, old.title); END",
    "CREATE TRIGGER tracker_request_search_au AFTER UPDATE OF title ON tracker_featurerequest"
    " BEGIN"
    " INSERT INTO tracker_request_search (tracker_request_search, rowid, title)"
    " VALUES ('delete', old.number, old.title);"
    " INSERT INTO tracker_request_search (rowid, title) VALUES (new.number, new.title); END",
    "INSERT INTO tracker_request_search (tracker_request_search) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tracker_request_search_au",
    "DROP TRIGGER IF EXISTS tracker_request_search_ad",
    "DROP TRIGGER IF EXISTS tracker_request_search_ai",
    "DROP TABLE IF EXISTS tracker_request_search",
]


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_numbers_and_roles")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
