from django.contrib import admin

from tracker.models import FeatureRequest, Mention, StatusChange


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    fields = readonly_fields = ("thread", "criticality", "quote", "logged_by", "created_at")
    can_delete = False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = readonly_fields = (
        "from_status",
        "to_status",
        "reason",
        "public_note",
        "changed_by",
        "created_at",
    )
    can_delete = False


@admin.register(FeatureRequest)
class FeatureRequestAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "status",
        "kind",
        "customer_count",
        "criticality",
        "priority",
        "score",
        "last_raised_at",
    ]
    list_filter = ["status", "kind", "priority"]
    search_fields = ["=number", "title", "description"]
    ordering = ["-score", "number"]
    inlines = [MentionInline, StatusChangeInline]
    # Status, demand and score change only through the services.
    readonly_fields = [
        "status",
        "decline_reason",
        "duplicate_of",
        "customer_count",
        "demand_weight",
        "mention_count",
        "mention_criticality",
        "last_raised_at",
        "score",
        "created_by",
        "created_at",
        "status_changed_at",
    ]
    fields = ["title", "description", "kind", "criticality", "priority", *readonly_fields]
