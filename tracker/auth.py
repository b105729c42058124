"""Django's model backend, reading a user's permissions in one query instead of two.

`ModelBackend` asks for the user's own permissions and for their groups' permissions in
two queries, the first time a request checks one; every API call checks one, so an intake
paid two round trips for it before it did anything. Here both are one query (a union of
the two joins), cached on the user for the rest of the request exactly as Django caches
them, with the same answer: tests/api/test_permissions.py and the intake's pinned query
count (tests/api/test_intake.py) hold it to that.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(
                    Q(user=user_obj) | Q(group__user=user_obj)
                ).distinct()
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            }
        return user_obj._perm_cache
