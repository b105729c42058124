"""Who may call what. The groups "Support staff" and "Product managers" carry the
permissions (migration 0002); these classes only ask for one permission each."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class _HasPermission(BasePermission):
    permission = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.permission))


class CanLog(_HasPermission):
    """Support staff and product managers log customers' wishes."""

    permission = "tracker.add_mention"


class CanReadRequests(_HasPermission):
    permission = "tracker.view_featurerequest"


class CanReadMentions(_HasPermission):
    """Who raised a request, in which words: support staff and product managers."""

    permission = "tracker.view_mention"


class CanDecide(_HasPermission):
    """Product managers: status, priority, criticality and merging."""

    permission = "tracker.decide_featurerequest"


class CanReadAccounts(_HasPermission):
    permission = "tracker.view_account"


class CanReadThreads(_HasPermission):
    permission = "tracker.view_thread"
