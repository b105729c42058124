"""Every change of state goes through here: one function, one transaction, locks first.

Network I/O never happens in these functions; what customers must hear is written to the
notification outbox in the same transaction and delivered later by the worker.

The package is split by sub-domain: `intake` (accounts, threads, logging wishes),
`decisions` (product managers' changes), `demand` (the figures behind the ranking),
`outbox` (notifications, and the news that a public view changed), `channels` (configuring
channels, re-arming a paused one), with `locks` and
`checks` shared by them. Callers import from here: `from tracker import services`.
"""

from tracker.demand import DEMAND_FIELDS
from tracker.limits import NOTE_MAX, TITLE_MAX
from tracker.services.channels import ChannelData, channel_resume, channel_setup
from tracker.services.decisions import (
    MERGEABLE_INTO,
    TRANSITIONS,
    MergeOutcome,
    request_edit,
    request_merge,
    request_merge_many,
    request_merge_target,
    request_set_criticality,
    request_set_priority,
    request_transition,
)
from tracker.services.demand import requests_recount
from tracker.services.intake import (
    AccountData,
    DefectReport,
    IntakeData,
    LogResult,
    ThreadData,
    account_upsert,
    default_plan,
    intake_log,
    thread_get_or_create,
)
from tracker.services.outbox import notification_cancel, notification_retry

__all__ = [
    "DEMAND_FIELDS",
    "MERGEABLE_INTO",
    "NOTE_MAX",
    "TITLE_MAX",
    "TRANSITIONS",
    "AccountData",
    "ChannelData",
    "DefectReport",
    "IntakeData",
    "LogResult",
    "MergeOutcome",
    "ThreadData",
    "account_upsert",
    "channel_resume",
    "channel_setup",
    "default_plan",
    "intake_log",
    "notification_cancel",
    "notification_retry",
    "request_edit",
    "request_merge",
    "request_merge_many",
    "request_merge_target",
    "request_set_criticality",
    "request_set_priority",
    "request_transition",
    "requests_recount",
    "thread_get_or_create",
]
