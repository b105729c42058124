from django.urls import path

from tracker.integrations import views

app_name = "integrations"

urlpatterns = [
    path("slack/interactivity/", views.slack_interactivity, name="slack-interactivity"),
    path("slack/commands/", views.slack_commands, name="slack-commands"),
]
