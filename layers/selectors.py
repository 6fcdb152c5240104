"""Reads of layer metadata for the map and the APIs. Feature reads live with their endpoints'
query module (layers/ogcapi/query.py), built by PostGIS."""
from __future__ import annotations

from layers.models import Layer
from layers.permissions import layers_for
from layers.scope import EVERYTHING, FeatureScope, reader_scope


def raster_summary(layer: Layer) -> dict | None:
    """What a client needs to draw a raster layer: its kind, lon/lat bounds, values, resolution."""
    source = getattr(layer, "raster", None) if layer.is_raster else None
    if source is None:
        return None
    return {"kind": source.kind, "bounds": list(source.extent.extent), "value_range": source.value_range,
            "resolution": source.resolution, "epsg": source.epsg, "width": source.width, "height": source.height,
            "band_count": source.band_count, "data_type": source.data_type, "nodata": source.nodata}


def layer_summary(layer: Layer, language: str = "zh", scope: FeatureScope = EVERYTHING) -> dict:
    """The metadata a client needs to list, style and label a layer; through a scoped share
    (layers/scope.py) the schema is cut to the approved fields and a `scope` member says what shows."""
    extent = list(layer.extent.extent) if layer.extent else None
    summary = {
        "slug": layer.slug,
        "title": layer.title_en if language.startswith("en") and layer.title_en else layer.title_zh,
        "title_zh": layer.title_zh,
        "title_en": layer.title_en,
        "description_zh": layer.description_zh,
        "description_en": layer.description_en,
        "department": layer.department.code,
        "theme": layer.theme,
        "kind": layer.kind,
        "raster": raster_summary(layer),
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
    if not scope.everything:
        summary["schema"] = [entry for entry in summary["schema"] if scope.shows_field(entry.get("name"))]
        summary["name_field"] = layer.name_field if scope.shows_field(layer.name_field) else ""
        summary["feature_count"] = None
        summary["scope"] = scope.document()
    return summary


def layer_list_visible(user, language: str = "zh") -> list[dict]:
    """The map's layer list. A layer seen through a scoped share is listed with its scope; a raster
    layer seen only that way is left out (layers.scope.reader_scope)."""
    layers = layers_for(user, "view", scoped=True).select_related("department", "raster").order_by("theme", "slug")
    listed = []
    for layer in layers:
        scope = reader_scope(principal=user, layer=layer)
        if scope is not None:
            listed.append(layer_summary(layer, language, scope))
    return listed
