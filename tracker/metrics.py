"""`/metrics`: the notification outbox in the Prometheus text format (prometheus-client).

Off unless `METRICS_ENABLED` is set; when `METRICS_TOKEN` is set, a scrape must send
`Authorization: Bearer <token>`. Every figure is read from the database at each scrape,
so it is the same whichever web process answers and however many workers run, on however
many machines: the outbox's depth, lag and failures, paused channels (from the same read
as `notifications_status`), and the running totals the workers keep in `DeliveryCount`
(deliveries, failed attempts, notifications given up on, and the latency from an event to
its delivery, per channel). See docs/notifications.md for what to alert on.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from tracker.models import DeliveryCount
from tracker.notifications.delivery import LATENCY_BUCKETS
from tracker.notifications.health import outbox_health


class OutboxCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        health = outbox_health()
        gauges = {
            "pending": ("tracker_outbox_pending", "Notifications waiting to be delivered."),
            "due": ("tracker_outbox_due", "Pending notifications due now."),
            "failed": (
                "tracker_outbox_failed",
                "Notifications that failed for good; each holds its thread until retried "
                "or cancelled.",
            ),
            "oldest_pending_age": (
                "tracker_outbox_oldest_pending_age_seconds",
                "Age of the oldest pending notification.",
            ),
            "lag": (
                "tracker_outbox_lag_seconds",
                "How long the longest-due notification has waited past its due time.",
            ),
            "paused": ("tracker_channel_paused", "1 when the channel is paused."),
            "needs_person": (
                "tracker_channel_needs_person",
                "1 when the channel is paused until a person resumes it.",
            ),
            "paused_for": ("tracker_channel_paused_seconds", "How long the channel is paused."),
        }
        families = {
            key: GaugeMetricFamily(name, text, labels=["channel"])
            for key, (name, text) in gauges.items()
        }
        for c in health.channels:
            values = {
                "pending": c.pending,
                "due": c.due,
                "failed": c.failed,
                "oldest_pending_age": c.oldest_pending_age,
                "lag": c.lag,
                "paused": int(c.is_paused),
                "needs_person": int(c.needs_person),
                "paused_for": c.paused_for,
            }
            for key, value in values.items():
                families[key].add_metric([c.slug], value)
        yield from families.values()
        problems = GaugeMetricFamily(
            "tracker_outbox_problems",
            "How many things need a person (notifications_status exits 1 when above 0).",
        )
        problems.add_metric([], len(health.problems()))
        yield problems
        yield from _totals()


def _totals() -> Iterator[Metric]:
    rows = DeliveryCount.objects.values_list("channel__slug", "name", "le", "value")
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    buckets: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for slug, name, le, value in rows:
        if name == DeliveryCount.LATENCY_BUCKET:
            buckets[slug][le] += value
        else:
            totals[slug][name] += value
    counters = {
        DeliveryCount.DELIVERED: ("tracker_notifications_delivered", "Notifications delivered."),
        DeliveryCount.FAILED_ATTEMPTS: (
            "tracker_notification_failed_attempts",
            "Attempts that failed because of the message (channel outages not counted).",
        ),
        DeliveryCount.GAVE_UP: (
            "tracker_notifications_gave_up",
            "Notifications marked failed after their last attempt.",
        ),
    }
    for name, (metric, text) in counters.items():
        family = CounterMetricFamily(metric, text, labels=["channel"])
        for slug in sorted(totals):
            family.add_metric([slug], totals[slug][name])
        yield family
    latency = HistogramMetricFamily(
        "tracker_notification_delivery_seconds",
        "From the event (the notification written) to its delivery.",
        labels=["channel"],
    )
    for slug in sorted(totals):
        cumulative, series = 0.0, []
        for le in LATENCY_BUCKETS:
            cumulative += buckets[slug].get(float(le), 0.0)
            series.append((floatToGoString(le), cumulative))
        series.append(("+Inf", totals[slug][DeliveryCount.DELIVERED]))
        latency.add_metric([slug], series, sum_value=totals[slug][DeliveryCount.LATENCY_SUM])
    yield latency


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED:
        raise Http404
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            response = HttpResponse("A bearer token is needed.\n", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxCollector())
    # The format the scraper asks for (OpenMetrics or Prometheus text), as the library's
    # own exporters choose it.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry), content_type=content_type)
