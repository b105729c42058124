"""Drop the single-column indexes of four foreign keys that a composite index already
begins with (mention_request_time, mention_once_per_thread, notification_thread_order,
thread_unique_ref_per_channel): every intake wrote each of them for nothing.

The indexes are dropped by name, not by AlterField: on SQLite, AlterField remakes the
table, and a remade tracker_mention would lose the quote search's FTS triggers (0013)."""

from django.db import migrations, models
import django.db.models.deletion

# (table, column) of each index dropped; its name is the one Django gave it.
DROPPED = [
    ("tracker_mention", "request_id"),
    ("tracker_mention", "thread_id"),
    ("tracker_notification", "thread_id"),
    ("tracker_thread", "channel_id"),
]


def _name(schema_editor, table, column):
    return schema_editor._create_index_name(table, [column], suffix="")


def drop(apps, schema_editor):
    for table, column in DROPPED:
        schema_editor.execute(
            f"DROP INDEX IF EXISTS {schema_editor.quote_name(_name(schema_editor, table, column))}"
        )


def create(apps, schema_editor):
    for table, column in DROPPED:
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(_name(schema_editor, table, column))} "
            f"ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0014_notification_note_label"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="mention",
                    name="request",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mentions",
                        to="tracker.featurerequest",
                        verbose_name="request",
                    ),
                ),
                migrations.AlterField(
                    model_name="mention",
                    name="thread",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mentions",
                        to="tracker.thread",
                        verbose_name="thread",
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="thread",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="tracker.thread",
                        verbose_name="thread",
                    ),
                ),
                migrations.AlterField(
                    model_name="thread",
                    name="channel",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="threads",
                        to="tracker.channel",
                        verbose_name="channel",
                    ),
                ),
            ],
        ),
    ]
