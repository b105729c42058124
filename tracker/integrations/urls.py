from django.urls import path

from tracker.integrations import views

app_name = "integrations"

urlpatterns = [
    path("slack/interactivity/", views.slack_interactivity, name="slack-interactivity"),
    path("slack/commands/", views.slack_commands, name="slack-commands"),
    path("bitrix24/<slug:slug>/install/", views.bitrix24_install, name="bitrix24-install"),
    path("bitrix24/<slug:slug>/events/", views.bitrix24_events, name="bitrix24-events"),
    path("bitrix24/<slug:slug>/placement/", views.bitrix24_placement, name="bitrix24-placement"),
    path("bitrix24/<slug:slug>/placement/log/", views.bitrix24_log, name="bitrix24-log"),
]
