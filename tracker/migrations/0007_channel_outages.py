"""Channels hold named secrets, and know when they are paused; notifications can be
cancelled; the workers keep delivery figures per channel (issues 11 and 12).

The single `secret` of each channel moves to its kind's main secret name; a log channel
takes none, so its value is dropped."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# Each kind's main secret: where the old single `secret` goes.
MAIN_SECRET = {
    "webhook": "signing_key",
    "slack": "bot_token",
    "bitrix24": "webhook_token",
    "email": "password",
}


def secret_to_named_secrets(apps, schema_editor):
    Channel = apps.get_model("tracker", "Channel")
    for channel in Channel.objects.exclude(secret=""):
        name = MAIN_SECRET.get(channel.kind)
        channel.secrets = {name: channel.secret} if name else {}
        channel.save(update_fields=["secrets"])


def named_secrets_to_secret(apps, schema_editor):
    Channel = apps.get_model("tracker", "Channel")
    for channel in Channel.objects.all():
        name = MAIN_SECRET.get(channel.kind)
        channel.secret = (channel.secrets or {}).get(name, "") if name else ""
        channel.save(update_fields=["secret"])


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0006_decision_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DeliveryCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=20)),
                ('le', models.FloatField(default=0)),
                ('value', models.FloatField(default=0)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='notification',
            name='notification_state_valid',
        ),
        migrations.AddField(
            model_name='channel',
            name='failing_notification_id',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='channel',
            name='last_probe_id',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='channel',
            name='needs_person',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='channel',
            name='pause_reason',
            field=models.CharField(blank=True, editable=False, max_length=500),
        ),
        migrations.AddField(
            model_name='channel',
            name='paused_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='channel',
            name='probe_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='channel',
            name='probe_failures',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='channel',
            name='secrets',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(secret_to_named_secrets, named_secrets_to_secret),
        migrations.RemoveField(
            model_name='channel',
            name='secret',
        ),
        migrations.AddField(
            model_name='notification',
            name='cancel_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='cancelled_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='cancelled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='notification',
            name='state',
            field=models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('state', 'failed')), fields=['id'], name='notification_failed'),
        ),
        migrations.AddConstraint(
            model_name='channel',
            constraint=models.CheckConstraint(condition=models.Q(('paused_at__isnull', False), ('needs_person', False), _connector='OR'), name='channel_needs_person_only_when_paused'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'delivered', 'failed', 'cancelled'])), name='notification_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'cancelled'), _negated=True), ('cancel_reason__gt', ''), _connector='OR'), name='notification_cancelled_with_reason'),
        ),
        migrations.AddField(
            model_name='deliverycount',
            name='channel',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracker.channel'),
        ),
        migrations.AddConstraint(
            model_name='deliverycount',
            constraint=models.UniqueConstraint(fields=('channel', 'name', 'le'), name='delivery_count_once'),
        ),
    ]
