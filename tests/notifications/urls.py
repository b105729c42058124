"""The project's URLs plus /metrics, as config/urls.py mounts it (see docs/notifications.md)."""

from django.urls import path

from config.urls import urlpatterns as project
from tracker.metrics import metrics

urlpatterns = [path("metrics", metrics, name="metrics"), *project]
