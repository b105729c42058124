from django.contrib.auth.management import create_permissions
from django.db import migrations

FIRST_NUMBER = 1001

SUPPORT_STAFF = {
    "account": ["view", "add"],
    "channel": ["view"],
    "thread": ["view", "add"],
    "featurerequest": ["view", "add"],
    "mention": ["view", "add"],
    "statuschange": ["view"],
    "notification": ["view"],
}
PRODUCT_MANAGERS = {
    **SUPPORT_STAFF,
    "featurerequest": ["view", "add", "change", "decide"],
    "account": ["view", "add", "change"],
}


def start_numbers(apps, schema_editor):
    """Public numbers start at 1001: a short number looks like a test to customers."""
    table = apps.get_model("tracker", "FeatureRequest")._meta.db_table
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'number'), %s, false)",
                [table, FIRST_NUMBER],
            )
        elif vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                [table, FIRST_NUMBER - 1],
            )


def make_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in (("Support staff", SUPPORT_STAFF), ("Product managers", PRODUCT_MANAGERS)):
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{action}_{model}" for model, actions in grants.items() for action in actions]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Support staff", "Product managers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(start_numbers, migrations.RunPython.noop),
        migrations.RunPython(make_roles, remove_roles),
    ]
