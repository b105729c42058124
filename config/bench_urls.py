"""The production URLs plus the benchmarks' yardsticks (tracker/api/bench.py)."""

from django.urls import URLPattern, URLResolver, path

from config.urls import urlpatterns as production
from tracker.api import bench

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/bench/insert/", bench.BareInsertView.as_view(), name="api-bench-insert"),
    path("status/benchmark/constant/", bench.constant, name="bench-constant"),
    *production,
]
