"""The outbox's alerts at the top of the admin index, for whoever may see the outbox."""

from __future__ import annotations

from typing import Any

from django import template

from tracker.notifications.health import outbox_health

register = template.Library()


@register.inclusion_tag("admin/tracker/outbox_alerts.html", takes_context=True)
def outbox_alerts(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("tracker.view_notification"):
        return {"problems": []}
    return {"problems": outbox_health().problems()}
