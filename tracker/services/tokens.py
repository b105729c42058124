"""API tokens (DRF's authtoken): issued, rotated and revoked here only, by the `api_token`
command and the token admin alike. A key is returned to the caller once and never logged."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from rest_framework.authtoken.models import Token

logger = logging.getLogger("tracker.tokens")

Actor = AbstractBaseUser | AnonymousUser | None


def token_create(*, user: User, by: Actor = None) -> tuple[str, bool]:
    """The user's token key, and whether it was made now (False: the user already had one)."""
    token, created = Token.objects.get_or_create(user=user)
    if created:
        logger.info("API token of %s created by %s", user, by or "a command")
    return token.key, created


def token_rotate(*, user: User, by: Actor = None) -> str:
    """A new key for the user; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
    logger.info("API token of %s rotated by %s", user, by or "a command")
    return token.key


def token_revoke(*, user: User, by: Actor = None) -> bool:
    """Delete the user's token; whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        logger.info("API token of %s revoked by %s", user, by or "a command")
    return bool(deleted)
