"""Reads of layer metadata for the map and the APIs. Feature reads live with their endpoints'
query module (layers/ogcapi/query.py), built by PostGIS."""
from __future__ import annotations

from layers.models import Layer
from layers.permissions import layers_for


def layer_summary(layer: Layer, language: str = "zh") -> dict:
    """The metadata a client needs to list, style and label a layer."""
    extent = list(layer.extent.extent) if layer.extent else None
    return {
        "slug": layer.slug,
        "title": layer.title_en if language.startswith("en") and layer.title_en else layer.title_zh,
        "title_zh": layer.title_zh,
        "title_en": layer.title_en,
        "description_zh": layer.description_zh,
        "description_en": layer.description_en,
        "department": layer.department.code,
        "theme": layer.theme,
        "geometry_type": layer.geometry_type,
        "visibility": layer.visibility,
        "schema": layer.schema,
        "name_field": layer.name_field,
        "style": layer.style,
        "min_zoom": layer.min_zoom,
        "max_zoom": layer.max_zoom,
        "attribution": layer.attribution,
        "licence": layer.licence,
        "is_demo": layer.is_demo,
        "extent": extent,
        "feature_count": layer.feature_count,
        "updated_at": layer.updated_at.isoformat(),
    }


def layer_list_visible(user, language: str = "zh") -> list[dict]:
    layers = layers_for(user, "view").select_related("department").order_by("theme", "slug")
    return [layer_summary(layer, language) for layer in layers]
