import secrets

from django.contrib import admin, messages

from annotations.models import Annotation, Category, InternalNote, PartnerKey, RoutingRule, Suggestion, Transition
from annotations.services import hash_token


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "icon", "name_zh", "name_en", "default_department", "deadline_days", "active"]
    list_editable = ["active", "deadline_days"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "district_code", "department"]
    list_filter = ["department"]


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    readonly_fields = ["from_state", "to_state", "actor", "department", "public_reply", "internal_note", "created_at"]
    can_delete = False


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the inbox so that they are recorded and mirrored."""

    list_display = ["tracking_number", "category", "state", "department", "district_code", "created_at"]
    list_filter = ["state", "category", "department"]
    search_fields = ["tracking_number"]
    # The submitter's name and contact are the handling department's to see (annotations/privacy.py).
    exclude = ["name", "contact"]
    readonly_fields = ["tracking_number", "state", "follow_up_token_hash", "open311_token", "mirror_feature",
                       "resolved_at", "created_at", "updated_at"]
    inlines = [TransitionInline]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    """Saving a new partner issues its api_key, shown once; only the hash is kept."""

    list_display = ["name", "prefix", "active", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            key = secrets.token_urlsafe(32)
            obj.prefix, obj.key_hash = key[:8], hash_token(key)
            messages.warning(request, f"api_key for {obj.name} (copy it now, it is not shown again): {key}")
        super().save_model(request, obj, form, change)


admin.site.register(InternalNote)
@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    exclude = ["contact"]  # personal information, as above
