"""Shapes of input and output. Validation here is about form (types, lengths, known
values); every rule of the domain lives in the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker import limits
from tracker.attachments import validate_attachment_url
from tracker.choices import Criticality, DeclineReason, Kind, Language, Plan, Priority, Status
from tracker.models import Account, Channel, Decision, FeatureRequest, Mention, Thread
from tracker.search import QUERY_MAX
from tracker.selectors import status_url, title_versions

# A request becomes a duplicate only by merging.
TRANSITION_STATUSES = [c for c in Status.choices if c[0] != Status.DUPLICATE]


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The input at fault as a dotted path, or null."
    )
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """Only describes the error body for the schema; never validates, so the field may
    shadow Serializer.errors."""

    errors = ErrorSerializer(many=True)  # type: ignore[assignment]


# --- intake -----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.URI)
class AttachmentURLField(serializers.CharField):
    """A screenshot or video link: http or https only (tracker.attachments)."""

    default_validators = [validate_attachment_url]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=limits.ATTACHMENT_URL_MAX, **kwargs)


class IntakeAccountSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=limits.EXTERNAL_ID_MAX)
    name = serializers.CharField(
        max_length=limits.NAME_MAX, required=False, allow_blank=True, default=""
    )
    plan = serializers.ChoiceField(
        choices=Plan.choices,
        required=False,
        help_text="Left out, an existing account keeps its plan and a new one gets the "
        "default plan (setting TRACKER_DEFAULT_PLAN, free unless set). Given, it is the "
        "account's plan from now on: a change re-weighs every request the account raised.",
    )


class IntakeThreadSerializer(serializers.Serializer):
    channel = serializers.SlugField(max_length=limits.CHANNEL_SLUG_MAX)
    ref = serializers.CharField(max_length=limits.THREAD_REF_MAX)
    language = serializers.ChoiceField(
        choices=Language.choices,
        required=False,
        help_text="The thread's language. Left out, a new thread's is read from the "
        "customer's words (Cyrillic: ru, kana or kanji: ja, else en; the channel's "
        "default_language when they have no letters) and an existing thread keeps its own; "
        "given, it is the thread's language from now on.",
    )


class IntakeSerializer(serializers.Serializer):
    account = IntakeAccountSerializer()
    thread = IntakeThreadSerializer()
    request_number = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=limits.NUMBER_MAX
    )
    title = serializers.CharField(
        max_length=limits.TITLE_MAX, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(
        max_length=limits.DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, allow_null=True, default=None
    )
    criticality = serializers.ChoiceField(choices=Criticality.choices, default=Criticality.NORMAL)
    quote = serializers.CharField(
        max_length=limits.QUOTE_MAX, required=False, allow_blank=True, default=""
    )
    steps = serializers.CharField(
        max_length=limits.STEPS_MAX, required=False, allow_blank=True, default=""
    )
    started_how = serializers.CharField(
        max_length=limits.STARTED_HOW_MAX, required=False, allow_blank=True, default=""
    )
    expected = serializers.CharField(
        max_length=limits.EXPECTED_MAX, required=False, allow_blank=True, default=""
    )
    actual = serializers.CharField(
        max_length=limits.ACTUAL_MAX, required=False, allow_blank=True, default=""
    )
    attachments = serializers.ListField(
        child=AttachmentURLField(),
        max_length=limits.ATTACHMENTS_MAX,
        required=False,
        default=list,
        help_text="Screenshot or video URLs (http or https); a defect needs at least one.",
    )


class IntakeResultSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created = serializers.BooleanField(help_text="Whether a new request was logged.")
    attached = serializers.BooleanField(
        help_text="Whether this thread was newly attached (false on a repeated call)."
    )
    status = serializers.ChoiceField(choices=Status.choices)
    status_url = serializers.URLField()
    redirected_from = serializers.IntegerField(
        allow_null=True, help_text="The number asked for, when it had been merged into `number`."
    )


# --- requests ---------------------------------------------------------------------------


class RequestListSerializer(serializers.ModelSerializer):
    criticality = serializers.CharField(source="effective_criticality")

    class Meta:
        model = FeatureRequest
        fields = [
            "number",
            "title",
            "kind",
            "status",
            "criticality",
            "priority",
            "score",
            "customer_count",
            "mention_count",
            "last_raised_at",
            "duplicate_of",
            "area",
            "owner",
            "created_at",
            "status_changed_at",
        ]
        read_only_fields = fields


class RankingPartSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()
    points = serializers.FloatField()
    why = serializers.CharField()


class RankingSerializer(serializers.Serializer):
    score = serializers.FloatField()
    parts = RankingPartSerializer(many=True)


class DemandSerializer(serializers.Serializer):
    customer_count = serializers.IntegerField(help_text="Distinct customer accounts.")
    demand_weight = serializers.FloatField(help_text="Customer accounts weighted by plan.")
    mention_count = serializers.IntegerField(help_text="Threads that raised it.")
    mention_criticality = serializers.ChoiceField(
        choices=Criticality.choices, help_text="The highest criticality any mention gave."
    )
    last_raised_at = serializers.DateTimeField(allow_null=True)


class RequestDetailSerializer(serializers.ModelSerializer):
    criticality = serializers.CharField(source="effective_criticality")
    criticality_set = serializers.CharField(
        source="criticality", help_text="Product managers' own setting; blank if none."
    )
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Set when declined; blank otherwise.",
    )
    status_url = serializers.SerializerMethodField()
    ranking = serializers.SerializerMethodField()
    demand = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()
    public_titles = serializers.SerializerMethodField(
        help_text="The public title's versions by language, as customers read them (drafts "
        "left out); the internal `title` stands for its own language when none is written."
    )

    class Meta:
        model = FeatureRequest
        fields = [
            "number",
            "title",
            "public_titles",
            "description",
            "kind",
            "status",
            "decline_reason",
            "criticality",
            "criticality_set",
            "priority",
            "score",
            "ranking",
            "demand",
            "duplicate_of",
            "duplicates",
            "area",
            "owner",
            "status_url",
            "created_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    def get_status_url(self, request: FeatureRequest) -> str:
        return status_url(request.number)

    @staticmethod
    def _ranking(request: FeatureRequest) -> dict[str, Any]:
        ranking = request.ranking()
        return {"score": ranking.score, "parts": [vars(part) for part in ranking.parts]}

    @extend_schema_field(RankingSerializer)
    def get_ranking(self, request: FeatureRequest) -> dict[str, Any]:
        return RankingSerializer(self._ranking(request)).data

    @extend_schema_field(DemandSerializer)
    def get_demand(self, request: FeatureRequest) -> dict[str, Any]:
        return DemandSerializer(request).data

    def get_duplicates(self, request: FeatureRequest) -> list[int]:
        return sorted(r.number for r in request.duplicates.all())

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_public_titles(self, request: FeatureRequest) -> dict[str, str]:
        return title_versions([request])[request.number].texts


class DecisionSerializer(serializers.ModelSerializer):
    by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        help_text="The user who decided; null when none did (a command, a deleted user).",
    )
    field = serializers.CharField(
        help_text="The value changed: status, decline_reason, duplicate_of (the request it "
        "was merged into), duplicates (the requests merged into it), priority, criticality, "
        "title, description or kind."
    )
    old = serializers.CharField(help_text="The value before, as the API writes it; blank: none.")
    new = serializers.CharField(help_text="The value after; several numbers comma-separated.")

    class Meta:
        model = Decision
        fields = ["kind", "field", "old", "new", "by", "at"]
        read_only_fields = fields


class PublicTextVersionsSerializer(serializers.Serializer):
    """Only describes the object form of a public text for the schema."""

    en = serializers.CharField(required=False, allow_blank=True)
    ru = serializers.CharField(required=False, allow_blank=True)
    ja = serializers.CharField(required=False, allow_blank=True)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {language: {"type": "string"} for language in ("en", "ru", "ja")},
                "additionalProperties": False,
            },
        ]
    }
)
class PublicTextField(serializers.Field):
    """A text customers read: one string (its language read from its script), or
    `{"en": …, "ru": …, "ja": …}` with any keys left out. Lengths, languages and the
    deadline guard are the services' checks, which name the version at fault."""

    default_error_messages = {
        "invalid": "Give a text, or an object of texts by language (en, ru, ja).",
        "too_long": "A version is longer than {max_length} characters.",
        "null": "Null characters are not allowed.",
    }

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def to_internal_value(self, data: Any) -> str | dict[str, str]:
        if isinstance(data, str):
            texts = [data]
        elif isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
            texts = list(data.values())
        else:
            self.fail("invalid")
        if any("\x00" in text for text in texts):
            self.fail("null")
        # The services check each version's length exactly; this keeps huge bodies out.
        if any(len(text) > self.max_length * 2 for text in texts):
            self.fail("too_long", max_length=self.max_length)
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class RequestUpdateSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    public_title = PublicTextField(
        max_length=limits.TITLE_MAX,
        required=False,
        help_text="The public title: a string (its language read from its script) or "
        '{"en": …, "ru": …, "ja": …}, any keys left out; a blank version is removed.',
    )
    criticality = serializers.ChoiceField(
        choices=Criticality.choices,
        required=False,
        allow_blank=True,
        help_text="Blank goes back to the highest criticality any customer gave.",
    )


_NOTE_HELP = (
    "What customers read in their thread and on the status page: a string (its language read "
    'from its script), or {"en": …, "ru": …, "ja": …} with any keys left out; the first '
    "version given is recorded as the one written first. Each thread reads its own "
    "language's version, else the fallback (docs/notifications.md). No version may name a "
    "date."
)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TRANSITION_STATUSES)
    public_note = PublicTextField(
        max_length=limits.NOTE_MAX, required=False, default="", help_text=_NOTE_HELP
    )
    reason = serializers.ChoiceField(
        choices=DeclineReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only when declining, and then required.",
    )


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=limits.NUMBER_MAX)
    public_note = PublicTextField(
        max_length=limits.NOTE_MAX, required=False, default="", help_text=_NOTE_HELP
    )


class SimilarQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=QUERY_MAX)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class SimilarSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    similarity = serializers.FloatField(min_value=0, max_value=1)
    language = serializers.ChoiceField(
        choices=Language.choices, help_text="The language the title is written in."
    )


class MentionAccountSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    name = serializers.CharField()
    plan = serializers.ChoiceField(choices=Plan.choices)


class MentionThreadSerializer(serializers.Serializer):
    channel = serializers.CharField(source="channel.slug", help_text="The channel's slug.")
    ref = serializers.CharField()


class DefectReportSerializer(serializers.Serializer):
    steps = serializers.CharField(help_text="What was done.")
    started_how = serializers.CharField(help_text="How it was started.")
    expected = serializers.CharField(help_text="The expected result.")
    actual = serializers.CharField(help_text="The actual result.")
    attachments = serializers.ListField(
        child=serializers.CharField(), help_text="Screenshot or video links."
    )


class MentionSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(
        source="request_id",
        help_text="The request the thread raised: this one, or one merged into it.",
    )
    account = MentionAccountSerializer(source="thread.account")
    thread = MentionThreadSerializer()
    language = serializers.ChoiceField(choices=Language.choices, source="thread.language")
    criticality = serializers.ChoiceField(
        choices=Criticality.choices, help_text="How critical it is for this customer."
    )
    logged_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who logged it; null when that user is gone.",
    )
    report = serializers.SerializerMethodField(
        help_text="The defect report; null when the mention carries none."
    )

    class Meta:
        model = Mention
        fields = [
            "request",
            "account",
            "thread",
            "language",
            "quote",
            "criticality",
            "created_at",
            "logged_by",
            "report",
        ]
        read_only_fields = fields

    @extend_schema_field(DefectReportSerializer(allow_null=True))
    def get_report(self, mention: Mention) -> dict[str, Any] | None:
        if not mention.has_report:
            return None
        return DefectReportSerializer(mention).data


# --- accounts and threads ---------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "external_id", "name", "plan", "created_at"]
        read_only_fields = fields


class ThreadSerializer(serializers.ModelSerializer):
    channel: serializers.SlugRelatedField[Channel] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    account: serializers.SlugRelatedField[Account] = serializers.SlugRelatedField(
        slug_field="external_id", read_only=True
    )
    requests = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = ["id", "channel", "ref", "account", "language", "created_at", "requests"]
        read_only_fields = fields

    def get_requests(self, thread: Thread) -> list[int]:
        return sorted(m.request_id for m in thread.mentions.all())


# --- the public view --------------------------------------------------------------------


class PublicChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    public_note = serializers.CharField(
        help_text="In the answer's `language`, else the fallback; blank when none."
    )
    public_note_language = serializers.CharField(
        help_text="The language of `public_note`; blank when there is none."
    )
    public_note_is_fallback = serializers.BooleanField(
        help_text="True when the note has no version in the answer's language."
    )
    at = serializers.DateTimeField()


class PublicRequestSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField(help_text="In the answer's `language`, else the fallback.")
    language = serializers.ChoiceField(
        choices=Language.choices,
        help_text="The reader's language: ?language=, else Accept-Language, else English.",
    )
    title_language = serializers.ChoiceField(choices=Language.choices)
    title_is_fallback = serializers.BooleanField(
        help_text="True when the title has no version in the answer's language."
    )
    titles = serializers.DictField(
        child=serializers.CharField(), help_text="Every published version, by language."
    )
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices, allow_blank=True, help_text="Set when declined."
    )
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    customer_count = serializers.IntegerField(help_text="How many customers asked for it.")
    last_changed_at = serializers.DateTimeField()
    history = PublicChangeSerializer(many=True)
    merged_into = serializers.IntegerField(
        allow_null=True, help_text="Set when merged: the number it is tracked under now."
    )
    status_url = serializers.SerializerMethodField()

    def get_status_url(self, request: Any) -> str:
        return status_url(request.number)
