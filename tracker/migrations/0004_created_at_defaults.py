# Timestamps default to now instead of being forced to now on insert, so that bulk loads
# (generate_load, imports from another tracker) can keep the real time of each event.
import django.utils.timezone
from django.db import migrations, models




def keep_numbers_above_1000(apps, schema_editor):
    """SQLite rebuilds the table to alter it, which forgets the AUTOINCREMENT counter that
    0002 set; put it back (never lower than the highest number already given)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    table = apps.get_model("tracker", "FeatureRequest")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        seq = max(row[0] if row else 0, 1000)
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, seq])


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_similar_search")]

    operations = [
        migrations.AlterField(
            model_name="featurerequest",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name="featurerequest",
            name="status_changed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name="mention",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name="statuschange",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(keep_numbers_above_1000, migrations.RunPython.noop),
    ]
