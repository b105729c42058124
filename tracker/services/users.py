"""What people set for themselves: the language they read the admin in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tracker.errors import TrackerError
from tracker.models import UserLanguage


def user_set_language(*, user: AbstractBaseUser | AnonymousUser, language: str) -> None:
    """The admin in `language` for `user` from now on, whatever their browser asks for; a
    blank `language` follows the browser again."""
    if language and language not in dict(settings.LANGUAGES):
        raise TrackerError(f"Unknown language {language!r}.", field="language")
    UserLanguage.objects.update_or_create(user_id=user.pk, defaults={"language": language})
