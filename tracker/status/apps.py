from django.apps import AppConfig


class StatusPageConfig(AppConfig):
    name = "tracker.status"
    label = "status_page"
    verbose_name = "Public status page"
