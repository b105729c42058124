from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import get_language
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
    TextKind,
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


# The group whose members decide on requests and may own them (migration 0002 makes it).
PRODUCT_MANAGERS = "Product managers"


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

    external_id = models.CharField(_("account id"), max_length=EXTERNAL_ID_MAX, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX)
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices, default=Plan.FREE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        constraints = [choices_constraint("account", "plan", Plan)]

    def __str__(self) -> str:
        return self.name or self.external_id


class Channel(models.Model):
    """A configured place that threads live in; it knows how to post into one of them."""

    slug = models.SlugField(_("slug"), max_length=CHANNEL_SLUG_MAX, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    # Non-secret settings: a webhook URL, an SMTP host, a sender address.
    config = models.JSONField(_("settings"), default=dict, blank=True)
    # Named secrets, e.g. {"bot_token": …, "signing_secret": …}; each kind's names are in
    # `tracker.channels`. Written and replaced, never read back: no form, page, API answer
    # or log line renders them (`editable=False` keeps them out of every ModelForm).
    secrets = models.JSONField(_("secrets"), default=dict, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    # An outage is the channel's, not the notification's (docs/notifications.md). The worker
    # pauses a channel that fails for everyone and probes it with one message at
    # `probe_at`; an error only a person can fix (authentication, 410 Gone) pauses it
    # until someone resumes it or replaces its secret. Written by the worker and the
    # services with `update_fields`, never by a form.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True, editable=False)
    pause_reason = models.CharField(_("why paused"), max_length=500, blank=True, editable=False)
    needs_person = models.BooleanField(_("needs a person"), default=False, editable=False)
    probe_at = models.DateTimeField(_("next probe at"), null=True, blank=True, editable=False)
    probe_failures = models.PositiveIntegerField(_("failed probes"), default=0, editable=False)
    last_probe_id = models.BigIntegerField(_("last probe"), null=True, blank=True, editable=False)
    # The notification that failed first since the channel last delivered: a second,
    # different one failing as well makes it an outage of the channel.
    failing_notification_id = models.BigIntegerField(
        _("first failing notification"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            choices_constraint("channel", "kind", ChannelKind),
            models.CheckConstraint(
                condition=Q(paused_at__isnull=False) | Q(needs_person=False),
                name="channel_needs_person_only_when_paused",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def secret(self, name: str) -> str:
        """The secret stored under `name`, or "" when none is."""
        value = self.secrets.get(name, "") if isinstance(self.secrets, dict) else ""
        return value if isinstance(value, str) else ""

    def secret_values(self) -> list[str]:
        """Every stored secret: what must never reach an error, a page or a log line."""
        if not isinstance(self.secrets, dict):
            return []
        return [value for value in self.secrets.values() if isinstance(value, str) and value]

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Thread(models.Model):
    """One customer conversation in a channel: every reply about it goes there."""

    # No index of its own: thread_unique_ref_per_channel begins with it. Every intake that
    # opens a thread writes each index of the table.
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="threads",
        db_index=False,
    )
    ref = models.CharField(
        _("thread reference"),
        max_length=THREAD_REF_MAX,
        help_text=_("The thread's reference in its channel."),
    )
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="threads"
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "ref"], name="thread_unique_ref_per_channel"
            ),
            choices_constraint("thread", "language", Language),
        ]

    def __str__(self) -> str:
        return f"{self.channel.slug}:{self.ref}"


class Bitrix24Portal(models.Model):
    """A Bitrix24 portal that installed our local application into a channel: the OAuth
    credentials the app acts with (refreshed when they expire) and the application token
    that Bitrix24 signs its events with. Written by tracker.services.portals and, for a
    token refresh, by the channel's REST client with a compare-and-set; never shown."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="bitrix24_portal"
    )
    member_id = models.CharField(max_length=64, unique=True)
    domain = models.CharField(max_length=255)
    # The portal's REST address (…/rest/) and the OAuth server's, as the OAuth server says.
    client_endpoint = models.CharField(max_length=500)
    server_endpoint = models.CharField(max_length=500)
    access_token = models.CharField(max_length=255, editable=False)
    refresh_token = models.CharField(max_length=255, editable=False)
    expires_at = models.DateTimeField(editable=False)
    application_token = models.CharField(max_length=64, editable=False)
    installed_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.domain


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
            | _raised_in(Mention.objects.quoting(term), as_set=True)
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


def _raised_in(mentions: MentionQuerySet, *, as_set: bool = False) -> Q:
    """The condition "one of `mentions` is of this request or of one merged into it".

    `as_set` for a condition OR-ed with others (the search): `number IN (the mentions'
    requests)`, which PostgreSQL reads once through the mentions' index into a hash, rather
    than an EXISTS that it may run again for every request it walks (no semi-join can serve
    a condition inside an OR)."""
    if as_set and connection.vendor == "postgresql":
        # One query finds them all, merged or not, through the mentions' index; the page
        # and its count then filter by the numbers, instead of reading the index each.
        # (SQLite takes at most 32,766 parameters: there, the subquery below.)
        # One array parameter, not one parameter a number: tens of thousands of them cost
        # more to send and parse than the page itself. The mentions' requests first, with
        # no join (a join would read every request), then those they are merged into.
        found = sorted(set(mentions.order_by().values_list("request_id", flat=True).distinct()))
        # `= ANY(array)`, which PostgreSQL tests against a hash of the array while it walks
        # the few duplicates, rather than `IN (SELECT unnest(…))`, which it planned as a
        # look-up of every number found (40 ms against 6 for 11,000 numbers).
        merged_into = (
            FeatureRequest.objects.filter(
                RawSQL(  # noqa: S611 - our own table name; the numbers are a parameter
                    f"{connection.ops.quote_name(FeatureRequest._meta.db_table)}.number"
                    " = ANY(%s::bigint[])",
                    [found],
                    output_field=models.BooleanField(),
                ),
                duplicate_of__isnull=False,
            )
            .order_by()
            .values_list("duplicate_of_id", flat=True)
            .distinct()
        )
        numbers = sorted({*found, *merged_into})
        return Q(number__in=RawSQL("SELECT unnest(%s::bigint[])", [numbers]))
    if as_set:
        direct = Q(number__in=mentions.values("request_id"))
    else:
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

    number = models.BigAutoField(_("number"), primary_key=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SUGGESTION)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNDER_REVIEW
    )
    decline_reason = models.CharField(
        _("decline reason"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    # Product managers' own setting; blank means "take the highest any mention gave".
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality.choices, blank=True
    )
    priority = models.CharField(
        _("priority"), max_length=4, choices=Priority.choices, default=Priority.NONE
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # Where in the product it belongs, and which product manager looks after it.
    area = models.ForeignKey(
        "ProductArea",
        verbose_name=_("product area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_requests",
        limit_choices_to={"groups__name": PRODUCT_MANAGERS},
    )

    # Demand figures, kept current by the services and rebuilt by `recompute_scores`.
    # They cover the request and every request merged into it.
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    demand_weight = models.FloatField(_("demand weight"), default=0)
    mention_count = models.PositiveIntegerField(_("mentions"), default=0)
    mention_criticality = models.CharField(
        _("customers' criticality"),
        max_length=10,
        choices=Criticality.choices,
        default=Criticality.LOW,
    )
    last_raised_at = models.DateTimeField(_("last raised"), null=True, blank=True)
    score = models.FloatField(_("score"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField(
        _("status changed at"), default=timezone.now, editable=False
    )

    objects = FeatureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("feature request")
        verbose_name_plural = _("feature requests")
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
            # What the rising page reads of the ten thousand requests that gained a customer
            # this month (the request each is tracked under, its area and customers), from
            # the index alone: reading the rows themselves was most of the page's time.
            models.Index(
                fields=["number", "duplicate_of", "area", "customer_count"], name="request_rising"
            ),
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

    def quoting(self, term: str) -> MentionQuerySet:
        """Mentions whose quote contains `term`, in any case (`unicode_icontains`), found
        through an index (migration 0012): on PostgreSQL the trigram index on the quote
        serves the ILIKE itself; on SQLite the FTS5 trigram table finds the candidates for
        a term of three characters or more, and the same comparison as before checks them
        (a shorter term has no trigram: every quote is compared)."""
        matching = self.filter(quote__unicode_icontains=term)
        if connection.vendor == "sqlite" and len(term) >= 3:
            phrase = '"' + term.replace('"', '""') + '"'
            matching = matching.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM tracker_mention_search WHERE tracker_mention_search "
                    "MATCH %s",
                    [phrase],
                )
            )
        return matching

    def of_family(self, number: int) -> MentionQuerySet:
        """Mentions of request `number` and of every request merged into it."""
        return self.of_requests([number])


class Mention(models.Model):
    """This thread raised this request: who logged it, when, and the customer's words."""

    # No index of their own: mention_request_time begins with the request and
    # mention_once_per_thread with the thread. Every intake writes each index of the table.
    request = models.ForeignKey(
        FeatureRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="mentions",
        db_index=False,
    )
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        on_delete=models.PROTECT,
        related_name="mentions",
        db_index=False,
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    quote = models.TextField(_("customer's words"), blank=True, max_length=QUOTE_MAX)
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality.choices, default=Criticality.NORMAL
    )
    # A defect report: what was done, how it was started, expected and actual result.
    steps = models.TextField(_("what was done"), blank=True, max_length=STEPS_MAX)
    started_how = models.TextField(_("how it was started"), blank=True, max_length=STARTED_HOW_MAX)
    expected = models.TextField(_("expected result"), blank=True, max_length=EXPECTED_MAX)
    actual = models.TextField(_("actual result"), blank=True, max_length=ACTUAL_MAX)
    attachments = models.JSONField(_("screenshots or video"), default=list, blank=True)
    # Whether this is the first mention of its account for the request (with the requests
    # merged into it): set by intake and merges, read by the rising page, which counts new
    # customers in a window from these alone.
    new_customer = models.BooleanField(_("new customer"), default=False, editable=False)

    objects = MentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["thread", "request"], name="mention_once_per_thread"),
            choices_constraint("mention", "criticality", Criticality),
        ]
        indexes = [
            models.Index(fields=["request", "created_at"], name="mention_request_time"),
            # This month's mentions, whatever their request (the rising page's plans), read
            # from the index alone.
            models.Index(fields=["created_at", "thread", "request"], name="mention_time"),
            # The new customers of the last 30 days, read from the index alone.
            models.Index(
                fields=["created_at", "request"],
                name="mention_new_customer_time",
                condition=Q(new_customer=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread} → #{self.request_id}"

    # Its defect report, in the order a support desk asks for it.
    REPORT_FIELDS = ("steps", "started_how", "expected", "actual", "attachments")

    @property
    def has_report(self) -> bool:
        """Whether it carries a defect report (intake insists on one for a defect)."""
        return any(getattr(self, name) for name in self.REPORT_FIELDS)


class StatusChange(models.Model):
    """The history of a request; the public note is shown to customers."""

    request = models.ForeignKey(
        FeatureRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=DeclineReason.choices, blank=True)
    public_note = models.TextField(_("public note"), blank=True, max_length=NOTE_MAX)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
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

    # No index of its own: notification_thread_order begins with it.
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    # The request the thread follows now (the survivor, after a merge).
    #
    # `request`, `note` and `cancelled_by` have no constraint in the database, only their
    # index: a status change fans out to every thread of its request in one statement, and
    # PostgreSQL checks a foreign key row by row at commit, so 10,000 rows naming the same
    # request and the same note cost 20,000 look-ups of those two rows (and 10,000 more of
    # an empty `cancelled_by`): 0.1 s of a 0.26 s commit. The service writes these rows in
    # the transaction that locks the request and makes the note, and deletes go through
    # Django's collector, which applies `on_delete` itself (tests/test_models.py). The
    # thread, different in every row, keeps its constraint.
    request = models.ForeignKey(
        FeatureRequest,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("request"),
        db_constraint=False,
    )
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=DeclineReason.choices, blank=True)
    # The note's text as it was given (the version written first); `note` names the decision
    # whose per-language versions (PublicText) the text is rendered from when it is sent,
    # so a translation published after the decision still reaches a thread not yet told.
    public_note = models.TextField(_("public note"), blank=True)
    note = models.ForeignKey(
        "StatusChange",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("note"),
        db_constraint=False,
    )
    merged_from = models.PositiveBigIntegerField(_("merged from"), null=True, blank=True)

    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), auto_now_add=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # A notification that can never succeed is cancelled by a person, who says why.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
        db_constraint=False,
    )
    cancel_reason = models.TextField(_("cancel reason"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            choices_constraint("notification", "event", Event),
            choices_constraint("notification", "status", Status),
            choices_constraint("notification", "reason", DeclineReason, blank=True),
            choices_constraint("notification", "state", DeliveryState),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.CANCELLED) | Q(cancel_reason__gt=""),
                name="notification_cancelled_with_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="notification_due",
                condition=Q(state=DeliveryState.PENDING),
            ),
            models.Index(fields=["thread", "id"], name="notification_thread_order"),
            # Failed notifications are few and each needs a person: counted at every look.
            models.Index(
                fields=["id"],
                name="notification_failed",
                condition=Q(state=DeliveryState.FAILED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.request_id} → {self.thread_id}"


class PublicTextQuerySet(models.QuerySet["PublicText"]):
    def published(self) -> PublicTextQuerySet:
        """The versions customers may read: a draft waits for a product manager."""
        return self.filter(is_draft=False)

    def titles_of(self, numbers: Iterable[int]) -> PublicTextQuerySet:
        return self.filter(kind=TextKind.TITLE, request_id__in=list(numbers))

    def notes_of(self, change_ids: Iterable[int]) -> PublicTextQuerySet:
        return self.filter(kind=TextKind.NOTE, change_id__in=list(change_ids))


class PublicText(models.Model):
    """One language's version of a text customers read: a request's public title, or the
    public note of one status change or merge. One row per text and language; the language
    the text was first written in is kept on every version (`source_language`), so that the
    fallback "the language it was written in" needs no second look-up.

    The internal title (`FeatureRequest.title`) stays as it is: it is the public title in
    the language it is written in until a product manager writes that language's version
    here (docs/status-page.md)."""

    request = models.ForeignKey(
        FeatureRequest, on_delete=models.CASCADE, related_name="public_texts"
    )
    kind = models.CharField(max_length=10, choices=TextKind.choices)
    # The status change (or merge) whose note this is; empty for a title.
    change = models.ForeignKey(
        StatusChange, on_delete=models.CASCADE, null=True, blank=True, related_name="texts"
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    text = models.TextField(max_length=NOTE_MAX)
    source_language = models.CharField(max_length=2, choices=Language.choices)
    # A machine translation waiting for a product manager's review; never shown to customers.
    is_draft = models.BooleanField(default=False)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    objects = PublicTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("public text")
        constraints = [
            choices_constraint("public_text", "kind", TextKind),
            choices_constraint("public_text", "language", Language),
            choices_constraint("public_text", "source_language", Language),
            models.CheckConstraint(
                condition=Q(kind=TextKind.TITLE, change__isnull=True)
                | Q(kind=TextKind.NOTE, change__isnull=False),
                name="public_text_note_iff_change",
            ),
            models.UniqueConstraint(
                fields=["request", "language"],
                condition=Q(kind=TextKind.TITLE),
                name="public_text_one_title_per_language",
            ),
            models.UniqueConstraint(
                fields=["change", "language"],
                condition=Q(kind=TextKind.NOTE),
                name="public_text_one_note_per_language",
            ),
        ]
        indexes = [models.Index(fields=["request", "kind"], name="public_text_request")]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.kind} [{self.language}]"


# --- the decision log -----------------------------------------------------------------------


class DecisionKind(models.TextChoices):
    STATUS = "status", _("Status")
    MERGE = "merge", _("Merge")
    PRIORITY = "priority", _("Priority")
    CRITICALITY = "criticality", _("Criticality")
    WORDING = "wording", _("Wording")
    PLAN = "plan", _("Plan")


# How the values of each field a decision changes are shown to people.
_DECIDED_VALUES: dict[str, type[models.TextChoices]] = {
    "status": Status,
    "decline_reason": DeclineReason,
    "priority": Priority,
    "criticality": Criticality,
    "kind": Kind,
    "plan": Plan,
}


class DecisionQuerySet(models.QuerySet["Decision"]):
    def of_request(self, number: int) -> DecisionQuerySet:
        """The decisions about request `number`, oldest first, with who took them: its
        own history (a request merged into it keeps its own)."""
        return self.filter(request_id=number).select_related("by").order_by("at", "id")


class Decision(models.Model):
    """One decision on record: who changed which value of a request (its status, what it
    is a duplicate of, priority, criticality, wording) or of an account (its plan), from
    what to what, and when. The service that makes the change writes it in the same
    transaction, one row per value changed; nothing else writes or changes it."""

    # Each is looked up through the (…, at) index below, which serves it alone too.
    request = models.ForeignKey(
        FeatureRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decisions",
        db_index=False,
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decisions",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    # The name of the value changed: a field of the request or account ("status",
    # "duplicate_of", "title", "plan"…), or "duplicates" for the requests merged into one.
    field = models.CharField(_("value"), max_length=30)
    old = models.TextField(_("before"), blank=True)
    new = models.TextField(_("after"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision log entry")
        verbose_name_plural = _("decision log entries")
        constraints = [
            choices_constraint("decision", "kind", DecisionKind),
            models.CheckConstraint(
                condition=Q(request__isnull=False, account__isnull=True)
                | Q(request__isnull=True, account__isnull=False),
                name="decision_of_request_or_account",
            ),
        ]
        indexes = [
            models.Index(fields=["request", "at"], name="decision_request_time"),
            models.Index(fields=["account", "at"], name="decision_account_time"),
        ]

    def __str__(self) -> str:
        subject = f"#{self.request_id}" if self.request_id else f"account {self.account_id}"
        return f"{subject}: {self.field} {self.old or '∅'} → {self.new or '∅'}"

    @property
    def old_shown(self) -> str:
        return self._shown(self.old)

    @property
    def new_shown(self) -> str:
        return self._shown(self.new)

    def _shown(self, value: str) -> str:
        """A value as people read it: a choice's label, a request's number with #."""
        choices = _DECIDED_VALUES.get(self.field)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        if self.field == "criticality" and not value:
            return str(_("As customers say"))
        if self.field in ("duplicate_of", "duplicates") and value:
            return ", ".join(f"#{number}" for number in value.split(","))
        return value or "—"


class ProductArea(models.Model):
    """A part of the product that requests belong to (CRM, Tasks, Telephony…), named in
    each language the product managers work in."""

    name = models.CharField(_("name (English)"), max_length=NAME_MAX, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=NAME_MAX, blank=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=NAME_MAX, blank=True)

    class Meta:
        verbose_name = _("product area")
        verbose_name_plural = _("product areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name_in(get_language() or "en")

    def name_in(self, language: str) -> str:
        """The name in `language` (e.g. "ru", "ja-JP"), else the English one."""
        translated = {"ru": self.name_ru, "ja": self.name_ja}.get(language[:2], "")
        return translated or self.name


class DeliveryCount(models.Model):
    """Running totals of the worker's deliveries per channel, for `/metrics`: the workers
    add what each batch did, so the figures hold across processes and machines.

    `name` is one of `DELIVERED`, `FAILED_ATTEMPTS`, `GAVE_UP`, `LATENCY_SUM` or
    `LATENCY_BUCKET` (then `le` is the bucket's upper bound in seconds, not cumulative)."""

    DELIVERED = "delivered"
    FAILED_ATTEMPTS = "failed_attempts"
    GAVE_UP = "gave_up"
    LATENCY_SUM = "latency_sum"
    LATENCY_BUCKET = "latency_bucket"

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=20)
    le = models.FloatField(default=0)
    value = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "name", "le"], name="delivery_count_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.name} {self.le:g}: {self.value:g}"


class RequestVector(models.Model):
    """A request's sentence embedding, stored so that every web process on every machine
    searches the same vectors. Made outside the request that logs a wish (the worker or
    `embed_requests` makes it, docs/similar.md); `text_hash` names the wording it was made
    from, so a vector of an edited text is known to be stale."""

    request = models.OneToOneField(
        FeatureRequest,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="vector",
        verbose_name=_("request"),
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
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
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


class UserLanguage(models.Model):
    """The language a person reads the admin in, when they chose one; with no row, or a blank
    choice, the admin follows their browser (tracker.admin.language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="admin_language",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("language setting")
        verbose_name_plural = _("language settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=["", *(code for code, _name in settings.LANGUAGES)]),
                name="user_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.language or '-'}"
