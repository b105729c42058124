from django.urls import path

from tracker import metrics, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Off unless METRICS_ENABLED; behind METRICS_TOKEN when set (docs/notifications.md).
    path("metrics", metrics.metrics, name="metrics"),
]
