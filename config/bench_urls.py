"""The production URLs plus the benchmarks' yardsticks (tracker/api/bench.py), after them, so
that production's pages resolve as they do in production and each yardstick about as its
page does (after the API's patterns and the status page's)."""

from django.urls import URLPattern, URLResolver, path

from config.urls import urlpatterns as production
from tracker.api import bench

urlpatterns: list[URLPattern | URLResolver] = [
    *production,
    path("api/bench/insert/", bench.BareInsertView.as_view(), name="api-bench-insert"),
    path("status/benchmark/constant/", bench.constant, name="bench-constant"),
]
