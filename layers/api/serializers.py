"""REST representations: layer metadata and features (djangorestframework-gis GeoJSON)."""
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from layers.models import Feature
from layers.schema import parse_schema


class LayerSerializer(serializers.Serializer):
    """The shape of layers.selectors.layer_summary, for the schema."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    description_zh = serializers.CharField()
    description_en = serializers.CharField()
    department = serializers.CharField()
    theme = serializers.CharField()
    kind = serializers.ChoiceField(choices=["vector", "raster"])
    raster = serializers.JSONField(allow_null=True, help_text="For raster layers: kind (imagery, elevation, "
                                   "paletted), bounds (lon/lat), value_range, resolution, epsg, size, bands.")
    geometry_type = serializers.CharField()
    visibility = serializers.CharField()
    schema = serializers.JSONField()
    name_field = serializers.CharField()
    style = serializers.JSONField()
    min_zoom = serializers.IntegerField()
    max_zoom = serializers.IntegerField()
    attribution = serializers.CharField()
    licence = serializers.CharField()
    is_demo = serializers.BooleanField()
    extent = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    feature_count = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class LayerListSerializer(serializers.Serializer):
    layers = LayerSerializer(many=True)


class FeatureSerializer(GeoFeatureModelSerializer):
    """A feature with its layer's schema fields as properties, plus `_name` and `_version`."""

    class Meta:
        model = Feature
        geo_field = "geom"
        fields = ("id", "geom", "properties", "name", "version")

    def get_properties(self, instance, fields):
        cache = self.context.setdefault("_field_names", {})
        if instance.layer_id not in cache:
            cache[instance.layer_id] = [f.name for f in parse_schema(instance.layer.schema)]
        scope = self.context.get("scope")
        names = cache[instance.layer_id]
        name = instance.name
        if scope is not None and not scope.everything:  # a scoped share's fields only (layers/scope.py)
            names = [field for field in names if scope.shows_field(field)]
            name = name if not instance.layer.name_field or scope.shows_field(instance.layer.name_field) else None
        stored = instance.properties or {}
        return {**{field: stored.get(field) for field in names}, "_name": name, "_version": instance.version}


class FeatureInputSerializer(serializers.Serializer):
    """A GeoJSON Feature as sent to create or change one (documentation of the request body)."""

    type = serializers.ChoiceField(choices=["Feature"])
    geometry = serializers.JSONField()
    properties = serializers.JSONField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField(), required=False)
