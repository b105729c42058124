"""Settings of the worker processes the fault tests start: the project's settings, plus the
notification settings that tracker reads with getattr defaults, taken from the environment
here so that a test can shrink them (probe backoff, retry schedule, alert thresholds)."""

import os

from config.settings import *  # noqa: F403

for _name in (
    "TRACKER_NOTIFY_SCHEDULE",
    "TRACKER_NOTIFY_PROBE_BASE",
    "TRACKER_NOTIFY_PROBE_CAP",
    "TRACKER_NOTIFY_ALERT_LAG",
    "TRACKER_NOTIFY_ALERT_OUTAGE",
):
    if _name in os.environ:
        globals()[_name] = os.environ[_name]
