"""Issue, rotate or revoke a user's API token (`Authorization: Token <key>`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.services.tokens import token_create, token_revoke, token_rotate


class Command(BaseCommand):
    help = (
        "create: issue the user's API token; rotate: replace it (the old key stops working); "
        "revoke: delete it. The key is printed on create and rotate only, and only then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "rotate", "revoke"])
        parser.add_argument("username")

    def handle(self, *args: Any, action: str, username: str, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
        if action == "create":
            key, created = token_create(user=user)
            if not created:
                raise CommandError(
                    f"{username} already has an API token; rotate it to get a new key."
                )
            self.stdout.write(key)
        elif action == "rotate":
            self.stdout.write(token_rotate(user=user))
        elif token_revoke(user=user):
            self.stdout.write(f"Revoked the API token of {username}.")
        else:
            self.stdout.write(f"{username} has no API token.")
