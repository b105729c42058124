from django.contrib import admin

from tracker.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "request", "thread", "state", "attempts", "created_at"]
    list_filter = ["state", "event"]
    list_select_related = ["thread", "request"]
    raw_id_fields = ["thread", "request"]
