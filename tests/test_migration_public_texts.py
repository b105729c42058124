"""Migration 0010 keeps every public note written before there were versions: each becomes
the one version of its note, in the language its script shows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tracker", "0009_areas_owners")]
AFTER = [("tracker", "0010_public_texts")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_notes_become_versions_in_their_own_language():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    request = old.get_model("tracker", "FeatureRequest").objects.create(title="Dark mode")
    changes = old.get_model("tracker", "StatusChange").objects
    for note in ("Accepted.", "Принято в работу.", "採用しました。", ""):
        changes.create(request=request, to_status="accepted", public_note=note)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    texts = list(new.get_model("tracker", "PublicText").objects.order_by("id"))
    # Back to the latest schema: the tests after this one (transactional ones use this
    # database as it is) would otherwise find the tables of 0010.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert [(t.kind, t.language, t.source_language, t.text) for t in texts] == [
        ("note", "en", "en", "Accepted."),
        ("note", "ru", "ru", "Принято в работу."),
        ("note", "ja", "ja", "採用しました。"),
    ]
    assert all(t.change_id is not None and t.request_id == request.pk for t in texts)
