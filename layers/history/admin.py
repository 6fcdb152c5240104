"""Read-only admin views of the history tables: rows are written only by the services."""
from django.contrib import admin

from layers.history.models import AuditLog, FeatureVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeatureVersion)
class FeatureVersionAdmin(ReadOnlyAdmin):
    list_display = ["feature_id", "version", "action", "channel", "user", "recorded_at", "layer"]
    list_filter = ["action", "channel", "layer"]
    search_fields = ["=feature_id"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "actor", "action", "layer_slug"]
    list_filter = ["action", "layer_slug"]
    search_fields = ["layer_slug", "actor__username"]
