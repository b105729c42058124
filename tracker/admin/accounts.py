from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from tracker.admin.filters import CheckedFilters
from tracker.models import Account, Channel, Thread
from tracker.services import AccountData, account_upsert


@admin.register(Account)
class AccountAdmin(CheckedFilters):
    list_display = ["external_id", "name", "plan", "created_at"]
    list_filter = ["plan"]
    search_fields = ["external_id", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Threads and integrations know the account by its external id.
        return ["external_id"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        # Through the service: a new plan re-weighs every request the account raised.
        saved = account_upsert(
            data=AccountData(external_id=obj.external_id, name=obj.name, plan=obj.plan),
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk


class ChannelForm(forms.ModelForm):
    # The secret is write-only: the form never renders the stored value, and an empty
    # field keeps it.
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current secret.",
    )

    class Meta:
        model = Channel
        fields = ["slug", "name", "kind", "config", "secret", "is_active"]

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


@admin.register(Channel)
class ChannelAdmin(CheckedFilters):
    form = ChannelForm
    list_display = ["slug", "name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(Thread)
class ThreadAdmin(CheckedFilters):
    list_display = ["ref", "channel", "account", "language", "created_at"]
    list_filter = ["channel", "language"]
    search_fields = ["ref", "account__external_id", "account__name"]
    list_select_related = ["channel", "account"]
    raw_id_fields = ["account"]
