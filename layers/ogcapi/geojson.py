"""Reading a GeoJSON Feature sent by a client (Part 4 and the REST API) into geometry + properties."""
from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry

from layers.ogcapi.crs import DEFAULT, CrsDef, CrsError, to_storage
from layers.services import GeometryValidationError

GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
MAX_DEPTH = 6


class FeatureInputError(ValueError):
    """The body is not a usable GeoJSON Feature; `errors` maps a member to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def parse_document(body: bytes | str | dict) -> dict:
    try:
        document = body if isinstance(body, dict) else json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FeatureInputError({"__all__": f"The body is not valid JSON: {exc}"}) from exc
    if not isinstance(document, dict):
        raise FeatureInputError({"__all__": "The body must be a GeoJSON Feature object."})
    if "\\u0000" in json.dumps(document):  # PostgreSQL's jsonb cannot store NUL
        raise FeatureInputError({"__all__": "Text cannot contain NUL characters."})
    return document


def _flip(coordinates: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH or not isinstance(coordinates, list):
        raise GeometryValidationError("The coordinates are malformed.")
    if coordinates and isinstance(coordinates[0], (int, float)):
        if len(coordinates) < 2:
            raise GeometryValidationError("A position needs two numbers.")
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [_flip(c, depth + 1) for c in coordinates]


def geometry_from_geojson(geometry: Any, crs: CrsDef = DEFAULT) -> GEOSGeometry:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise GeometryValidationError(f"The geometry must be a GeoJSON {', '.join(sorted(GEOMETRY_TYPES))}.")
    if crs.flip:
        geometry = {**geometry, "coordinates": _flip(geometry.get("coordinates"))}
    try:
        geom = GEOSGeometry(json.dumps(geometry))
    except (GEOSException, GDALException, ValueError, TypeError) as exc:
        raise GeometryValidationError(f"The geometry cannot be read: {exc}") from exc
    if geom.empty:
        raise GeometryValidationError("The geometry is empty.")
    try:
        return to_storage(geom, crs)
    except CrsError as exc:
        raise GeometryValidationError(str(exc)) from exc


def feature_from_geojson(body: bytes | str | dict, *, crs: CrsDef = DEFAULT, partial: bool = False
                         ) -> tuple[GEOSGeometry | None, dict | None]:
    """(geometry, properties); with `partial` (PATCH) either may be absent (None)."""
    document = parse_document(body)
    if document.get("type", "Feature") != "Feature":
        raise FeatureInputError({"type": "The body must be a GeoJSON Feature."})
    properties = document.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise FeatureInputError({"properties": "properties must be an object."})
    if partial:
        geometry = document.get("geometry")
        return (geometry_from_geojson(geometry, crs) if geometry is not None else None), properties
    if "geometry" not in document:
        raise FeatureInputError({"geometry": "A feature needs a geometry."})
    return geometry_from_geojson(document["geometry"], crs), properties or {}
