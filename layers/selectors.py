"""Reads of layers and features. GeoJSON is built by PostGIS (ST_AsGeoJSON and json
aggregation), never by looping over features in Python."""
from __future__ import annotations

from django.db import connection

from layers.models import Layer
from layers.permissions import layers_for
from layers.schema import parse_schema


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


def feature_collection_geojson(
    *, layer: Layer, bbox: tuple[float, float, float, float] | None = None, limit: int = 5000, precision: int = 6
) -> str:
    """The layer's features (optionally inside bbox) as one GeoJSON FeatureCollection string.

    Only the layer's schema fields are emitted, so stray keys in stored JSON never leak."""
    fields = [f.name for f in parse_schema(layer.schema)]
    # ::bigint lets the (layer, geom) GiST index narrow by layer too (see FeatureQuerySet.of_layer).
    where = "f.layer_id = %s::bigint"
    if bbox is not None:
        where += " AND f.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'id', q.id,
                'geometry', ST_AsGeoJSON(q.geom, %s)::json,
                'properties', q.props
            ) ORDER BY q.id), '[]'::json)
        )::text
        FROM (
            SELECT f.id, f.geom,
                   (SELECT coalesce(jsonb_object_agg(k, v), '{{}}'::jsonb)
                      FROM jsonb_each(f.properties) AS e(k, v) WHERE k = ANY(%s))
                   || jsonb_build_object('_name', f.name, '_version', f.version) AS props
            FROM layers_feature f
            WHERE {where}
            ORDER BY f.id
            LIMIT %s
        ) q
    """
    # Parameter order follows the placeholders: precision, fields, layer, bbox..., limit.
    ordered = [precision, fields, layer.pk, *(bbox or ()), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, ordered)
        return cursor.fetchone()[0]
