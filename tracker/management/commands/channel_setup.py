"""Configure a channel from the command line, for operators and for automation:

    python manage.py channel_setup --slug S --kind K [--name N]
        [--config key=value]... [--secret name=value]...

Creates the channel or updates it: `--config` sets (or, with an empty value, removes) one
setting and keeps the others; `--secret` replaces one named secret and keeps the others
(webhook `signing_key`; slack `bot_token`, `signing_secret`; bitrix24 `webhook_token`,
`client_secret`; email `password`). Everything is checked before anything is written, and
no secret is ever printed. A channel paused for want of a person is resumed when its
secret or config is replaced.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.channels import parse_setting
from tracker.choices import ChannelKind
from tracker.errors import TrackerError
from tracker.models import Channel
from tracker.services import ChannelData, channel_setup


class Command(BaseCommand):
    help = "Create or update a channel: its kind, name, settings and named secrets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="The channel's slug, e.g. b24-main.")
        parser.add_argument("--kind", required=True, choices=ChannelKind.values)
        parser.add_argument("--name", help="A name for people (default: the slug).")
        parser.add_argument(
            "--config",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A setting, e.g. url=https://acme.bitrix24.com/rest/1/ (repeatable).",
        )
        parser.add_argument(
            "--secret",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A named secret, e.g. bot_token=xoxb-… (repeatable; never printed).",
        )
        active = parser.add_mutually_exclusive_group()
        active.add_argument("--active", dest="is_active", action="store_true", default=None)
        active.add_argument("--inactive", dest="is_active", action="store_false")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, kind = options["slug"], options["kind"]
        try:
            existing = Channel.objects.filter(slug=slug).first()
            config = dict(existing.config or {}) if existing and existing.kind == kind else {}
            for key, value in _pairs(options["config"], what="--config"):
                if value == "":
                    config.pop(key, None)
                else:
                    config[key] = parse_setting(kind, key, value)
            channel, created = channel_setup(
                data=ChannelData(
                    slug=slug,
                    kind=kind,
                    name=options["name"],
                    config=config,
                    secrets=dict(_pairs(options["secret"], what="--secret")),
                    is_active=options["is_active"],
                )
            )
        except TrackerError as error:
            where = f"{error.field}: " if error.field else ""
            raise CommandError(f"{where}{error.message}") from None
        names = ", ".join(
            f"{name} {'set' if channel.secret(name) else 'not set'}" for name in _kind_secrets(kind)
        )
        self.stdout.write(
            f"{'Created' if created else 'Updated'} channel {channel.slug} ({channel.kind}); "
            f"settings: {', '.join(sorted(channel.config)) or 'none'}; "
            f"secrets: {names or 'none'}."
        )


def _pairs(items: list[str], *, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            # Never quote the item: it may be a secret given without its name.
            raise CommandError(f"{what} takes name=value.")
        pairs.append((key.strip(), value))
    return pairs


def _kind_secrets(kind: str) -> tuple[str, ...]:
    from tracker.channels import KINDS

    return KINDS[kind].secrets
