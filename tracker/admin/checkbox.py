"""The action checkbox of a changelist row, written as the markup Django's widget renders.

Django's `ModelAdmin.action_checkbox` renders a `CheckboxInput` through the form template
engine for every row: on the backlog's 100 rows that was a third of the page's time. The
markup is fixed, so it is formatted directly; tests/admin/test_checkbox.py holds it equal to
Django's, character for character.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

# Django's own message, translated by Django's catalog: a name, not a literal, so that our
# catalogs do not extract a copy of it.
ROW_LABEL = "Select this object for an action - {}"


class ActionCheckbox(admin.ModelAdmin):
    def action_checkbox(self, obj: Model) -> SafeString:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext(ROW_LABEL), str(obj)),
        )
