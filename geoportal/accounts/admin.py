from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from geoportal.accounts.models import Department, User


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
