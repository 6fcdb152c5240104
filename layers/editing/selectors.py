"""Reads the editor needs: one feature with its version, and a geometry's validity and repair."""
from __future__ import annotations

import json

from django.db import connection

from layers.models import Layer

# ST_CollectionExtract's type code for each layer geometry type.
_EXTRACT_TYPE = {Layer.GeometryType.POINT: 1, Layer.GeometryType.LINE: 2, Layer.GeometryType.POLYGON: 3}


def feature_geojson(*, feature_id: int) -> dict | None:
    """The feature as GeoJSON with its version and last editor, or None if it does not exist."""
    sql = """
        SELECT json_build_object(
            'type', 'Feature', 'id', f.id, 'layer', l.slug, 'version', f.version,
            'geometry', ST_AsGeoJSON(f.geom, 7)::json, 'properties', f.properties,
            'updated_at', f.updated_at, 'updated_by', u.username
        )
        FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id
        LEFT JOIN accounts_user u ON u.id = f.updated_by_id
        WHERE f.id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [feature_id])
        row = cursor.fetchone()
    return row[0] if row else None


def geometry_repair_preview(*, layer: Layer, geometry: dict) -> dict:
    """Whether a GeoJSON geometry is valid (with PostGIS's reason) and its ST_MakeValid repair,
    reduced to the layer's geometry family so the result can be stored in the layer."""
    extract = _EXTRACT_TYPE.get(layer.geometry_type)
    sql = """
        WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326) AS geom)
        SELECT ST_IsValid(geom), ST_IsValidReason(geom),
               ST_AsGeoJSON(CASE WHEN %s::int IS NULL THEN ST_MakeValid(geom)
                                 ELSE ST_CollectionExtract(ST_MakeValid(geom), %s::int) END, 7)::json
        FROM g
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(geometry), extract, extract])
        valid, reason, repaired = cursor.fetchone()
    empty = not repaired or not repaired.get("coordinates")
    return {"valid": valid, "reason": reason, "repaired": None if valid or empty else repaired}
