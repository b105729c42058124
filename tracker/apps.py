from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Feature requests"
    default_auto_field = "django.db.models.BigAutoField"
