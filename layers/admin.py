"""Admin for layers, grants and features. What a user may see and change here is decided by
layers/permissions.py, as everywhere else, and feature writes go through layers/services.py."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ValidationError

from layers.admin_widgets import LocalOpenLayersWidget
from layers.models import Feature, Layer, LayerGrant
from layers.permissions import layers_for, user_can
from layers.schema import PropertyValidationError, SchemaError, parse_schema, validate_properties
from layers.services import (
    GeometryValidationError,
    clean_geometry,
    feature_create,
    feature_delete,
    feature_update,
)

ADMIN_CHANNEL = "browser"


class LayerGrantInline(admin.TabularInline):
    model = LayerGrant
    extra = 0
    fields = ["department", "user", "level", "granted_by", "created_at"]
    readonly_fields = ["granted_by", "created_at"]
    autocomplete_fields = ["department", "user"]


class LayerAdminForm(forms.ModelForm):
    """A malformed schema is refused with the parser's message (its Meta comes from the admin)."""

    def clean_schema(self):
        schema = self.cleaned_data["schema"]
        try:
            parse_schema(schema)
        except SchemaError as exc:
            raise ValidationError(str(exc)) from exc
        return schema


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    form = LayerAdminForm
    list_display = ["slug", "title_zh", "title_en", "department", "theme", "geometry_type", "visibility",
                    "feature_count", "is_demo", "updated_at"]
    list_filter = ["theme", "geometry_type", "visibility", "is_demo", "department"]
    search_fields = ["slug", "title_zh", "title_en", "description_zh", "description_en"]
    readonly_fields = ["feature_count", "created_at", "updated_at"]
    list_select_related = ["department"]
    inlines = [LayerGrantInline]
    fieldsets = [
        (None, {"fields": ["slug", "title_zh", "title_en", "description_zh", "description_en", "department",
                           "theme", "geometry_type", "visibility", "is_demo"]}),
        ("Attributes", {"fields": ["schema", "name_field"]}),
        ("Display", {"fields": ["style", "min_zoom", "max_zoom", "search_boost", "attribution", "licence"]}),
        ("Statistics", {"fields": ["feature_count", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return layers_for(request.user, "manage", super().get_queryset(request))

    def save_formset(self, request, form, formset, change):
        for grant in formset.save(commit=False):
            grant.granted_by = grant.granted_by or request.user
            grant.save()
        for grant in formset.deleted_objects:
            grant.delete()


@admin.register(LayerGrant)
class LayerGrantAdmin(admin.ModelAdmin):
    list_display = ["layer", "department", "user", "level", "granted_by", "created_at"]
    list_filter = ["level", "department"]
    search_fields = ["layer__slug", "layer__title_zh", "user__username", "department__code"]
    autocomplete_fields = ["layer", "department", "user"]
    readonly_fields = ["granted_by", "created_at"]
    list_select_related = ["layer", "department", "user"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(layer__in=layers_for(request.user, "manage"))

    def save_model(self, request, obj, form, change):
        obj.granted_by = obj.granted_by or request.user
        super().save_model(request, obj, form, change)


class FeatureAdminForm(forms.ModelForm):
    """Validates properties and geometry as the services will, showing each problem on its field;
    `base_version` carries the version the editor started from, so a concurrent change is caught."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Feature
        fields = ["layer", "geom", "properties"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        layer = cleaned.get("layer") or (self.instance.layer if self.instance.pk else None)
        geometry = cleaned.get("geom")
        if layer is None:
            return cleaned
        try:
            cleaned["properties"] = validate_properties(layer.schema, cleaned.get("properties") or {})
        except PropertyValidationError as exc:
            self.add_error("properties", [f"{name}: {message}" for name, message in exc.errors.items()])
        if geometry is not None:
            try:
                cleaned["geom"] = clean_geometry(layer=layer, geometry=geometry)
            except GeometryValidationError as exc:
                self.add_error("geom", str(exc))
        current = Feature.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
        if current is not None and cleaned.get("base_version") != current:
            raise ValidationError(f"Someone else changed this feature meanwhile (now version {current}); "
                                  "reload the page and make your change again.")
        return cleaned


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    form = FeatureAdminForm
    formfield_overrides = {gis_models.GeometryField: {"widget": LocalOpenLayersWidget}}
    list_display = ["id", "name", "layer", "version", "updated_at", "updated_by"]
    list_filter = ["layer__theme", "layer"]
    search_fields = ["name", "layer__slug"]
    list_select_related = ["layer", "updated_by"]
    readonly_fields = ["name", "version", "created_by", "created_at", "updated_by", "updated_at"]
    fields = ["layer", "geom", "properties", "base_version", *readonly_fields]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(layer__in=layers_for(request.user, "edit"))

    def get_readonly_fields(self, request, obj=None):
        # A feature stays in its layer: moving it would bypass the other layer's schema and stats.
        return [*self.readonly_fields, "layer"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "layer":
            kwargs["queryset"] = layers_for(request.user, "edit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, "edit", obj.layer))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, "edit", obj.layer))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = feature_update(feature=obj, base_version=data["base_version"], geometry=data["geom"],
                                   properties=data["properties"], user=request.user, channel=ADMIN_CHANNEL)
        else:
            saved = feature_create(layer=data["layer"], geometry=data["geom"], properties=data["properties"],
                                   user=request.user, channel=ADMIN_CHANNEL)
        obj.pk, obj.version = saved.pk, saved.version

    def delete_model(self, request, obj):
        feature_delete(feature=obj, user=request.user, channel=ADMIN_CHANNEL)

    def delete_queryset(self, request, queryset):
        for feature in queryset.select_related("layer"):
            feature_delete(feature=feature, user=request.user, channel=ADMIN_CHANNEL)
