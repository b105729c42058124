from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker import lookups  # noqa: F401 - registers unicode_icontains
from tracker.choices import (
    OPEN_STATUSES,
    ChannelKind,
    Criticality,
    DeclineReason,
    DeliveryState,
    Event,
    Kind,
    Language,
    Plan,
    Priority,
    Status,
)
from tracker.limits import (
    ACTUAL_MAX,
    CHANNEL_SLUG_MAX,
    DESCRIPTION_MAX,
    EXPECTED_MAX,
    EXTERNAL_ID_MAX,
    NAME_MAX,
    NOTE_MAX,
    NUMBER_MAX,
    QUOTE_MAX,
    STARTED_HOW_MAX,
    STEPS_MAX,
    THREAD_REF_MAX,
    TITLE_MAX,
)

if TYPE_CHECKING:
    from tracker.ranking import Ranking


def choices_constraint(
    prefix: str, field: str, choices: type[models.TextChoices], *, blank: bool = False
) -> models.CheckConstraint:
    """The column `field` holds one of `choices` (or nothing, when `blank`), whoever writes
    it: a service, a bulk `.update()` or raw SQL."""
    values = ["", *choices.values] if blank else choices.values
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": values}), name=f"{prefix}_{field}_valid"
    )


class Account(models.Model):
    """A customer organization, e.g. the portal acme.bitrix24.com."""

    external_id = models.CharField(max_length=EXTERNAL_ID_MAX, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.FREE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [choices_constraint("account", "plan", Plan)]

    def __str__(self) -> str:
        return self.name or self.external_id


class Channel(models.Model):
    """A configured place that threads live in; it knows how to post into one of them."""

    slug = models.SlugField(max_length=CHANNEL_SLUG_MAX, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    # Non-secret settings: a webhook URL, an SMTP host, a sender address.
    config = models.JSONField(default=dict, blank=True)
    # A token or signing key. Written, never shown back (admin and API use write-only fields).
    secret = models.CharField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [choices_constraint("channel", "kind", ChannelKind)]

    def __str__(self) -> str:
        return self.slug


class Thread(models.Model):
    """One customer conversation in a channel: every reply about it goes there."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="threads")
    ref = models.CharField(
        max_length=THREAD_REF_MAX, help_text=_("The thread's reference in its channel.")
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="threads")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "ref"], name="thread_unique_ref_per_channel"
            ),
            choices_constraint("thread", "language", Language),
        ]

    def __str__(self) -> str:
        return f"{self.channel.slug}:{self.ref}"


class FeatureRequestQuerySet(models.QuerySet["FeatureRequest"]):
    def ranked(self) -> FeatureRequestQuerySet:
        return self.order_by("-score", "number")

    def open(self) -> FeatureRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def canonical(self) -> FeatureRequestQuerySet:
        """Requests that are not merged into another."""
        return self.filter(duplicate_of__isnull=True)

    def raised_where(self, **thread_lookups: Any) -> FeatureRequestQuerySet:
        """Requests that a thread matching `thread_lookups` (e.g. `channel__slug="b24"`,
        `language="ja"`, `account__plan="free"`) raised, directly or through a request
        merged into them. A request raised in many such threads is still one row."""
        thread_q = Q(**{f"thread__{key}": value for key, value in thread_lookups.items()})
        return self.filter(_raised_in(Mention.objects.filter(thread_q)))

    def with_effective_criticality(self, *levels: str) -> FeatureRequestQuerySet:
        """Requests whose effective criticality (`FeatureRequest.effective_criticality`:
        product managers' own, else the highest any mention gave) is one of `levels`.
        Plain comparisons of the two columns, which an index can serve, unlike a
        COALESCE of them."""
        levels = tuple(level for level in levels if level)
        return self.filter(
            Q(criticality__in=levels) | Q(criticality="", mention_criticality__in=levels)
        )

    def search(self, term: str) -> FeatureRequestQuerySet:
        """By number ("1042" or "#1042"), title, description, or the customers' own words
        (theirs or those of a request merged into it)."""
        term = term.strip()
        if not term:
            return self
        # unicode_icontains (tracker.lookups): on SQLite too, "выгрузка" finds "Выгрузка".
        q = (
            Q(title__unicode_icontains=term)
            | Q(description__unicode_icontains=term)
            | _raised_in(Mention.objects.filter(quote__unicode_icontains=term))
        )
        number = _as_number(term.removeprefix("#"))
        if number is not None:
            q |= Q(number=number)
        return self.filter(q)


def _as_number(text: str) -> int | None:
    """`text` as a request number, or None when it cannot be one."""
    # The length first: int() of thousands of digits is slow, and then refused.
    if not text.isdecimal() or len(text) > len(str(NUMBER_MAX)):
        return None
    number = int(text)
    return number if number <= NUMBER_MAX else None


def _raised_in(mentions: MentionQuerySet) -> Q:
    """The condition "one of `mentions` is of this request or of one merged into it"."""
    direct = Q(Exists(mentions.filter(request_id=OuterRef("number"))))
    # Merges are one level deep and rare, so the survivors found through their duplicates
    # are a short list fetched first. OR-ing a second EXISTS instead, or a join to the
    # merged request inside the one EXISTS, would stop PostgreSQL from walking the ranking
    # index with a semi-join and make it hash every mention.
    survivors = set(
        mentions.filter(request__duplicate_of__isnull=False)
        .values_list("request__duplicate_of_id", flat=True)
        .distinct()
    )
    if not survivors:
        return direct
    return direct | Q(number__in=survivors)


class FeatureRequest(models.Model):
    """The thing being tracked. Its primary key is its public number, so the database
    hands out each number once and never again (an identity column on PostgreSQL,
    AUTOINCREMENT on SQLite), without a counter row that every intake would queue on."""

    number = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUGGESTION)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNDER_REVIEW)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    # Product managers' own setting; blank means "take the highest any mention gave".
    criticality = models.CharField(max_length=10, choices=Criticality.choices, blank=True)
    priority = models.CharField(max_length=4, choices=Priority.choices, default=Priority.NONE)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )

    # Demand figures, kept current by the services and rebuilt by `recompute_scores`.
    # They cover the request and every request merged into it.
    customer_count = models.PositiveIntegerField(default=0)
    demand_weight = models.FloatField(default=0)
    mention_count = models.PositiveIntegerField(default=0)
    mention_criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.LOW
    )
    last_raised_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FeatureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("feature request")
        permissions = [
            ("decide_featurerequest", "Can change status, priority and criticality, and merge"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Status.DECLINED, decline_reason__gt="")
                | (~Q(status=Status.DECLINED) & Q(decline_reason="")),
                name="request_declined_iff_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DUPLICATE, duplicate_of__isnull=False)
                | (~Q(status=Status.DUPLICATE) & Q(duplicate_of__isnull=True)),
                name="request_duplicate_iff_duplicate_of",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("number")), name="request_not_own_duplicate"
            ),
            choices_constraint("request", "status", Status),
            choices_constraint("request", "priority", Priority),
            choices_constraint("request", "kind", Kind),
            choices_constraint("request", "decline_reason", DeclineReason, blank=True),
            choices_constraint("request", "criticality", Criticality, blank=True),
            choices_constraint("request", "mention_criticality", Criticality),
        ]
        indexes = [
            models.Index(fields=["-score", "number"], name="request_ranked"),
            models.Index(fields=["status", "-score", "number"], name="request_status_ranked"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def effective_criticality(self) -> str:
        return self.criticality or self.mention_criticality

    def ranking(self) -> Ranking:
        from tracker.ranking import Weights, rank

        return rank(
            weighted_customers=self.demand_weight,
            criticality=self.effective_criticality,
            priority=self.priority,
            weights=Weights.from_settings(),
        )


class MentionQuerySet(models.QuerySet["Mention"]):
    def of_requests(self, numbers: Iterable[int]) -> MentionQuerySet:
        """Mentions of these requests and of every request merged into them: the demand
        each of them stands for, and the threads told of what happens to them.

        The numbers of the merged requests are read first (one query, when this is
        called), rather than joined, so that a further filter such as "has this account
        raised it?" reaches mentions through the account's few threads and the (thread,
        request) index, not through every mention of a popular request; and a read of
        one request's mentions is one range of the (request, created_at) index each."""
        numbers = list(numbers)
        merged = FeatureRequest.objects.filter(duplicate_of_id__in=numbers).values_list(
            "number", flat=True
        )
        return self.filter(request_id__in=[*numbers, *merged])

    def of_family(self, number: int) -> MentionQuerySet:
        """Mentions of request `number` and of every request merged into it."""
        return self.of_requests([number])


class Mention(models.Model):
    """This thread raised this request: who logged it, when, and the customer's words."""

    request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="mentions")
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="mentions")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    quote = models.TextField(blank=True, max_length=QUOTE_MAX)
    criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.NORMAL
    )
    # A defect report: what was done, how it was started, expected and actual result.
    steps = models.TextField(blank=True, max_length=STEPS_MAX)
    started_how = models.TextField(blank=True, max_length=STARTED_HOW_MAX)
    expected = models.TextField(blank=True, max_length=EXPECTED_MAX)
    actual = models.TextField(blank=True, max_length=ACTUAL_MAX)
    attachments = models.JSONField(default=list, blank=True)

    objects = MentionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "request"], name="mention_once_per_thread"),
            choices_constraint("mention", "criticality", Criticality),
        ]
        indexes = [models.Index(fields=["request", "created_at"], name="mention_request_time")]

    def __str__(self) -> str:
        return f"{self.thread} → #{self.request_id}"


class StatusChange(models.Model):
    """The history of a request; the public note is shown to customers."""

    request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    public_note = models.TextField(blank=True, max_length=NOTE_MAX)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            choices_constraint("history", "from_status", Status, blank=True),
            choices_constraint("history", "to_status", Status),
            choices_constraint("history", "reason", DeclineReason, blank=True),
        ]
        indexes = [models.Index(fields=["request", "created_at"], name="history_request_time")]

    def __str__(self) -> str:
        return f"#{self.request_id}: {self.from_status or '∅'} → {self.to_status}"


class Notification(models.Model):
    """One message owed to one thread about one event, kept until delivered.

    It stores the facts of the event, not the text: the text is rendered in the thread's
    language when it is sent.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="notifications")
    # The request the thread follows now (the survivor, after a merge).
    request = models.ForeignKey(
        FeatureRequest, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    public_note = models.TextField(blank=True)
    merged_from = models.PositiveBigIntegerField(null=True, blank=True)

    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(auto_now_add=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            choices_constraint("notification", "event", Event),
            choices_constraint("notification", "status", Status),
            choices_constraint("notification", "reason", DeclineReason, blank=True),
            choices_constraint("notification", "state", DeliveryState),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="notification_due",
                condition=Q(state=DeliveryState.PENDING),
            ),
            models.Index(fields=["thread", "id"], name="notification_thread_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.request_id} → {self.thread_id}"


class RequestVector(models.Model):
    """A request's sentence embedding, stored so that every web process on every machine
    searches the same vectors. Made outside the request that logs a wish (the worker or
    `embed_requests` makes it, docs/similar.md); `text_hash` names the wording it was made
    from, so a vector of an edited text is known to be stale."""

    request = models.OneToOneField(
        FeatureRequest, on_delete=models.CASCADE, primary_key=True, related_name="vector"
    )
    # The dotted path of the encoder that made it: another encoder's vectors mean nothing.
    encoder = models.CharField(max_length=200)
    text_hash = models.CharField(max_length=32)
    # float32, little-endian, one per dimension.
    vector = models.BinaryField()
    # The database's clock, so that web processes on several machines can each ask for
    # "what changed since I last looked".
    embedded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["embedded_at"], name="vector_embedded_at")]

    def __str__(self) -> str:
        return f"vector of #{self.request_id}"


class LikelyDuplicate(models.Model):
    """Two open requests whose wording is so close that they are likely the same wish,
    found when their vectors were made: the product managers' duplicates queue. A pair
    dismissed as "not the same" is kept, so that it is never offered again."""

    # The lower number first: one row per pair.
    first = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    found_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(
                fields=["-similarity", "first", "second"],
                name="duplicate_pair_queue",
                condition=Q(dismissed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.first_id} ~ #{self.second_id}"
