"""Every enumerated value of the domain; the API speaks these values."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.TextChoices):
    FREE = "free", _("Free")
    BASIC = "basic", _("Basic")
    STANDARD = "standard", _("Standard")
    PROFESSIONAL = "professional", _("Professional")
    ENTERPRISE = "enterprise", _("Enterprise")


class Language(models.TextChoices):
    EN = "en", "English"
    RU = "ru", "Русский"
    JA = "ja", "日本語"


class TextKind(models.TextChoices):
    """What a public text is: a request's public title, or the public note of a decision."""

    TITLE = "title", _("Public title")
    NOTE = "note", _("Public note")


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", _("Generic signed webhook")
    BITRIX24 = "bitrix24", _("Bitrix24 portal")
    SLACK = "slack", _("Slack workspace")
    EMAIL = "email", _("Mailbox")
    LOG = "log", _("Log (local use)")


class Kind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    DEFECT = "defect", _("Defect")


class Status(models.TextChoices):
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = (Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS)


class DeclineReason(models.TextChoices):
    NOT_PLANNED = "not_planned", _("Not planned")
    PARTNER_WORK = "partner_work", _("Work for a partner")
    MARKETPLACE_APP = "marketplace_app", _("Error in a Marketplace application")


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# Order of severity, for "the highest criticality any mention gave".
CRITICALITY_RANK = {c: i for i, c in enumerate(Criticality)}


class Priority(models.TextChoices):
    NONE = "none", _("None")
    P1 = "p1", _("P1 (highest)")
    P2 = "p2", _("P2")
    P3 = "p3", _("P3")
    P4 = "p4", _("P4")


class Event(models.TextChoices):
    REGISTERED = "request.registered", _("Registered")
    ATTACHED = "request.attached", _("Attached")
    STATUS_CHANGED = "request.status_changed", _("Status changed")
    MERGED = "request.merged", _("Merged")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    # Given up on by a person, with a reason: it no longer holds its thread.
    CANCELLED = "cancelled", _("Cancelled")
