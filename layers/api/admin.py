"""Administrators issue and revoke API tokens here; a new token is shown once, on saving."""
from django.contrib import admin, messages

from layers.api.models import ApiToken
from layers.api.tokens import token_set_secret


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "scope", "prefix", "revoked", "expires_at", "last_used_at", "last_used_ip", "created_at")
    list_filter = ("scope", "revoked")
    search_fields = ("name", "prefix")
    filter_horizontal = ("layers", "departments")
    readonly_fields = ("prefix", "issued_by", "created_at", "last_used_at", "last_used_ip")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        raw = None
        if not change:
            raw = token_set_secret(obj)
            obj.issued_by = request.user
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(request, f"The token for {obj.name} is shown only this once; copy it now: {raw}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.update(revoked=True)
        messages.success(request, f"Revoked {count} token(s).")
