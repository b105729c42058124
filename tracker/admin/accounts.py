from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tracker.admin.filters import CheckedFilters
from tracker.admin.notifications import announce_outbox, can_resume, channel_state_html
from tracker.channels import KINDS, SECRET_NAMES, clean_config, clean_secret
from tracker.choices import ChannelKind
from tracker.errors import TrackerError
from tracker.models import Account, Bitrix24Portal, Channel, Thread
from tracker.services import (
    AccountData,
    ChannelData,
    account_upsert,
    channel_resume,
    channel_setup,
)


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


class BaseChannelForm(forms.ModelForm):
    """A channel's settings, and one write-only input per secret name: the page says
    whether each secret is set, never what it is; an empty input keeps the secret. The
    service checks everything (tracker.channels) before anything is saved."""

    class Meta:
        model = Channel
        fields = ["slug", "name", "kind", "config", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.secrets if self.instance.pk else {}
        for name in SECRET_NAMES:
            field = self.fields.get(secret_field(name))
            if field is None:
                continue
            kinds = ", ".join(k for k, spec in KINDS.items() if name in spec.secrets)
            state = _("set; type a new one to replace it") if stored.get(name) else _("not set")
            field.help_text = f"{state} ({kinds})"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind") or self.instance.kind
        if not kind:
            return cleaned
        try:
            cleaned["config"] = clean_config(kind, cleaned.get("config") or {})
            cleaned["secrets"] = {
                name: clean_secret(kind, name, value)
                for name in SECRET_NAMES
                if (value := cleaned.get(secret_field(name)))
            }
        except TrackerError as error:
            self.add_error(_form_field(error.field), error.message)
        return cleaned


def chat_app_html(channel: Channel) -> SafeString:
    """The addresses a Slack app or a Bitrix24 app is given for this channel, and which
    portal installed the Bitrix24 app (docs/chat-apps.md)."""
    site = settings.SITE_URL.rstrip("/")
    if channel.kind == ChannelKind.SLACK:
        rows = [
            (_("Interactivity request URL"), reverse("integrations:slack-interactivity")),
            (_("Slash command /request URL"), reverse("integrations:slack-commands")),
        ]
        return format_html_join(
            mark_safe("<br>"), "{}: <code>{}{}</code>", ((n, site, u) for n, u in rows)
        )
    rows = [
        (_("Installation callback"), reverse("integrations:bitrix24-install", args=[channel.slug])),
        (_("Placement handler"), reverse("integrations:bitrix24-placement", args=[channel.slug])),
    ]
    html = format_html_join(
        mark_safe("<br>"), "{}: <code>{}{}</code>", ((n, site, u) for n, u in rows)
    )
    portal = Bitrix24Portal.objects.filter(channel=channel).only("domain", "installed_at").first()
    if portal is None:
        return format_html("{}<br>{}", html, _("Not installed on a portal yet."))
    return format_html("{}<br>{}", html, _("Installed on %(domain)s.") % {"domain": portal.domain})


def secret_field(name: str) -> str:
    return f"secret_{name}"


def _form_field(field: str | None) -> str | None:
    if field and field.startswith("secrets."):
        return secret_field(field.removeprefix("secrets."))
    if field and field.startswith("config"):
        return "config"
    return field if field in {"slug", "name", "kind", "is_active"} else None


def _secret_input(name: str) -> forms.CharField:
    return forms.CharField(
        label=_("secret: %(name)s") % {"name": name},
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


# The form class with its secret inputs declared, so that the admin knows them as fields.
ChannelForm = type(
    "ChannelForm",
    (BaseChannelForm,),
    {secret_field(name): _secret_input(name) for name in SECRET_NAMES},
)


@admin.register(Channel)
class ChannelAdmin(CheckedFilters):
    """Channels, for operators. No page shows a stored secret: the change page has
    write-only inputs, the view-only page (Support staff, Product managers) says only
    which secrets are set. A paused channel says why at the top of its page, and can be
    resumed (the action, or the button on its page)."""

    form = ChannelForm
    list_display = ["slug", "name", "kind", "is_active", "delivery_state"]
    list_filter = ["kind", "is_active"]
    actions = ["resume"]
    change_form_template = "admin/tracker/channel/change_form.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        shown = ["slug", "name", "kind", "config", "is_active"]
        if obj is not None:
            shown = ["delivery_state", *shown]
        if obj is not None and obj.kind in (ChannelKind.SLACK, ChannelKind.BITRIX24):
            shown = [*shown, "chat_app"]
        if obj is not None and not self.has_change_permission(request, obj):
            return [*shown, "secrets_set"]
        return [*shown, *(secret_field(name) for name in SECRET_NAMES)]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Integrations know the channel by its slug, and its threads' references belong
        # to its kind: both are fixed once it exists.
        return [
            "delivery_state",
            "secrets_set",
            "chat_app",
            *(["slug", "kind"] if obj is not None else []),
        ]

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        # Through the service: checked, secrets only replaced, a paused channel re-armed.
        saved, _created = channel_setup(
            data=ChannelData(
                slug=obj.slug,
                kind=obj.kind,
                name=obj.name,
                config=form.cleaned_data.get("config") or {},
                secrets=form.cleaned_data.get("secrets") or {},
                is_active=obj.is_active,
            )
        )
        obj.pk = saved.pk
        obj.secrets = {}  # this instance is rendered again; it needs no secret

    @admin.display(description=_("secrets"))
    def secrets_set(self, obj: Channel) -> SafeString:
        names = KINDS[obj.kind].secrets if obj.kind in KINDS else ()
        if not names:
            return format_html("{}", _("none (this kind takes no secret)"))
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            ((name, _("set") if obj.secret(name) else _("not set")) for name in names),
        )

    @admin.display(description=_("chat app"))
    def chat_app(self, obj: Channel) -> SafeString:
        """Where the chat's app must send its requests (docs/chat-apps.md), and for the
        Bitrix24 app which portal installed it. Never a token."""
        return chat_app_html(obj)

    @admin.display(description=_("delivery"))
    def delivery_state(self, obj: Channel) -> SafeString:
        return channel_state_html(obj)

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return can_resume(request)

    @admin.action(description=_("Resume the selected paused channels"), permissions=["resume"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        count = channel_resume(channel_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request, _("%(count)d channel(s) resumed.") % {"count": count}, messages.SUCCESS
        )

    def get_urls(self) -> list[URLPattern]:
        resume = path(
            "<int:pk>/resume/",
            self.admin_site.admin_view(self.resume_view),
            name="tracker_channel_resume",
        )
        return [resume, *super().get_urls()]

    def resume_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not can_resume(request):
            raise PermissionDenied
        if channel_resume(channel_ids=[pk]):
            self.message_user(request, _("The channel is resumed."), messages.SUCCESS)
        return redirect("admin:tracker_channel_change", pk)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            announce_outbox(request)
        extra_context = {**(extra_context or {}), "can_resume": can_resume(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            announce_outbox(request)
        return super().changelist_view(request, extra_context)


@admin.register(Thread)
class ThreadAdmin(CheckedFilters):
    list_display = ["ref", "channel", "account", "language", "created_at"]
    list_filter = ["channel", "language"]
    search_fields = ["ref", "account__external_id", "account__name"]
    list_select_related = ["channel", "account"]
    raw_id_fields = ["account"]
