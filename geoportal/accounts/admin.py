from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from geoportal.accounts.models import Department, TOTPDevice, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "department", "role", "is_active", "is_staff"]
    list_filter = ["role", "department", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("Geoportal", {"fields": ("department", "role")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Geoportal", {"fields": ("department", "role")}),)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """The security administrator sees who has an authenticator and may remove one (its owner then
    enrols again); the key is never shown, and devices are made only by their owner's enrolment."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = ["user", "created_at", "last_used_at", "throttling_failure_count"]

    def has_add_permission(self, request) -> bool:
        return False
