"""The tile statements: one SQL statement per tile body, built and run by PostGIS.

What a tile at zoom z carries (the same rule for MVT and GeoJSON, so both show the same features):

1. Candidates: the layer's features whose bounding box meets the tile grown by the buffer
   (64 of 4096 units, 1/64 of the tile) on each side (GiST index on (layer_id, geom)).
2. Size rule: lines and polygons whose bounding box is smaller than one screen pixel at z
   (tile width / 256) are left out; they would draw as less than a pixel. Points are kept.
3. Density rule (thinning): when more than TILE_MAX_FEATURES candidates remain, only features
   with id % step = 0 are kept, where step is the smallest power of two that brings the count
   under the budget. Power-of-two steps nest, so a feature kept at a denser step is also kept at
   every sparser one; ids are stable, so the same feature is kept on every request and in
   neighbouring tiles with the same step. A GeoJSON feature takes about four times the bytes of
   an MVT feature, so GeoJSON tiles get a quarter of the budget (a subset of the MVT features,
   since the steps nest). With it no tile of the 300,000-building benchmark layer passes 500 KB.
   Dense tiles are not counted feature by feature: one feature in 32 (by id) has an index of its
   own and is read first; times 32 it estimates the features meeting the tile. Past SAMPLE_ROWS
   of them the tile is read from the one-in-8 sample (also indexed), past eight times that from
   the one-in-32 sample, and the step, from the estimate, is at least the sample's rate: a
   low-zoom tile reads a thirty-second of the city, and where the size rule leaves few of many
   features it may keep fewer than a full count would have.
4. Geometry: simplified (Douglas-Peucker) with a tolerance of one tile unit (1/4096 of the tile),
   then for MVT clipped to the buffered tile and snapped to the 4096 grid by ST_AsMVTGeom; for
   GeoJSON clipped to the same buffered tile (ST_ClipByBox2D; the result may be invalid along the
   clip line, as for any clipped tile) and written in EPSG:4326 with the precision of the zoom.
5. Scope: a viewer through a scoped share (layers/scope.py) gets the tile of the features meeting
   the approved area (the rules above count only those) with the approved fields.
6. Properties: only the layer's schema fields, typed (integer -> int64, decimal -> double,
   boolean -> bool, anything else -> string); stray keys in stored JSON are never emitted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from geoportal.db.rawtext import read_text_as_bytes
from geoportal.db.routing import read_connection
from layers.models import Layer
from layers.schema import parse_schema
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.grid import BUFFER, EXTENT, Tile, buffered_bounds, center_latitude

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
GEOJSON_MEDIA_TYPE = "application/geo+json"
FORMATS = ("mvt", "geojson")
_SQL_TYPES = {"integer": "bigint", "decimal": "double precision", "boolean": "boolean"}
GEOJSON_BUDGET_SHARE = 4
_JSONB_CHUNK = 40  # jsonb_build_object takes at most 100 arguments

# Dense views are read from a sample of ids with an index of its own (migration layers 0006):
# one feature in SAMPLE_COARSE is read first and, times SAMPLE_COARSE, estimates the features
# meeting the tile; past SAMPLE_ROWS of them the tile is read from the one-in-SAMPLE_FINE sample,
# past SAMPLE_FINE times that from the coarse one (the step is then at least the sample's).
SAMPLE_COARSE, SAMPLE_FINE = 32, 8
SAMPLE_ROWS = 16_000
_SIZED = """(ST_Dimension(f.geom) = 0
           OR GREATEST(ST_XMax(f.geom) - ST_XMin(f.geom),
                       (ST_YMax(f.geom) - ST_YMin(f.geom)) / cos(radians(ST_YMin(f.geom)))) >= %(min_size)s)"""
# With no scope area the parameter is a NULL literal (client-side binding) and the planner drops the test.
_MEETS = ("f.layer_id = %(layer)s::bigint AND f.geom && env.box"
          " AND (%(area)s::bytea IS NULL OR ST_Intersects(f.geom, ST_GeomFromEWKB(%(area)s::bytea)))")
_RATE = "(SELECT rate FROM reading)"

_CANDIDATES = f"""
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326) AS box
), sample AS MATERIALIZED (
    SELECT f.id, {_SIZED} AS shown
    FROM layers_feature f, env
    WHERE {_MEETS} AND f.id %% {SAMPLE_COARSE} = 0
), estimated AS (
    SELECT count(*) * {SAMPLE_COARSE} AS meeting, count(*) FILTER (WHERE shown) * {SAMPLE_COARSE} AS shown
    FROM sample
), reading AS (
    SELECT CASE WHEN meeting > {SAMPLE_FINE} * %(sample_rows)s THEN {SAMPLE_COARSE}
                WHEN meeting > %(sample_rows)s THEN {SAMPLE_FINE} ELSE 1 END AS rate
    FROM estimated
), fine AS MATERIALIZED (
    SELECT f.id FROM layers_feature f, env WHERE {_MEETS} AND f.id %% {SAMPLE_FINE} = 0 AND {_SIZED}
), every AS MATERIALIZED (
    SELECT f.id FROM layers_feature f, env WHERE {_MEETS} AND {_SIZED}
), candidates AS MATERIALIZED (
    SELECT id FROM sample WHERE shown AND {_RATE} = {SAMPLE_COARSE}
    UNION ALL SELECT id FROM fine WHERE {_RATE} = {SAMPLE_FINE}
    UNION ALL SELECT id FROM every WHERE {_RATE} = 1
), sampling AS MATERIALIZED (
    SELECT greatest(r.rate, power(2, greatest(0, ceil(log(2, greatest(
               CASE WHEN r.rate > 1 THEN e.shown ELSE (SELECT count(*) FROM candidates) END, 1)::numeric
               / %(budget)s))))::bigint) AS step
    FROM estimated e, reading r
), kept AS (
    SELECT f.* FROM candidates c JOIN layers_feature f ON f.id = c.id, sampling s WHERE c.id %% s.step = 0
)
"""

_MVT = _CANDIDATES + """, rows AS (
    SELECT k.id,
           ST_AsMVTGeom(ST_Simplify(ST_Transform(k.geom, 3857), %(tolerance_m)s), env.tile,
                        %(extent)s, %(buffer)s, true) AS geom
           {columns}
    FROM kept k, env
)
SELECT ST_AsMVT(rows, %(name)s, %(extent)s, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
"""

_GEOJSON = _CANDIDATES + """, rows AS (
    SELECT k.id, ST_ClipByBox2D(ST_Simplify(k.geom, %(tolerance_deg)s), env.box) AS geom, {properties} AS properties
    FROM kept k, env
)
SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
           'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geom, %(precision)s)::json,
           'properties', properties)))::text
FROM rows WHERE NOT ST_IsEmpty(geom)
HAVING count(*) > 0
"""

# The statement other tile servers run: every feature, no size rule, no thinning, no
# simplification beyond ST_AsMVTGeom's grid. Only the benchmark runs it, for comparison.
_PLAIN_MVT = """
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326) AS box
), rows AS (
    SELECT f.id, ST_AsMVTGeom(ST_Transform(f.geom, 3857), env.tile, %(extent)s, %(buffer)s, true) AS geom
           {columns}
    FROM layers_feature f, env
    WHERE f.layer_id = %(layer)s::bigint AND f.geom && env.box
)
SELECT ST_AsMVT(rows, %(name)s, %(extent)s, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
"""


@dataclass(frozen=True)
class Statement:
    sql: str
    params: dict


def _field_params(layer: Layer, scope: FeatureScope = EVERYTHING) -> tuple[list[tuple[str, str, str]], dict]:
    """(column alias, parameter name, field type) per schema field the scope shows, and the key parameters."""
    fields = scope.schema(parse_schema(layer.schema))
    described = [(connection.ops.quote_name(f.name), f"field_{i}", f.type) for i, f in enumerate(fields)]
    return described, {f"field_{i}": f.name for i, f in enumerate(fields)}


def _mvt_columns(described: list[tuple[str, str, str]], alias: str) -> str:
    parts = []
    for column, param, field_type in described:
        value = f"({alias}.properties ->> %({param})s)"
        sql_type = _SQL_TYPES.get(field_type)
        parts.append(f", {value}::{sql_type} AS {column}" if sql_type else f", {value} AS {column}")
    return "".join(parts)


def _jsonb_properties(described: list[tuple[str, str, str]], alias: str) -> str:
    if not described:
        return "'{}'::jsonb"
    chunks = []
    for start in range(0, len(described), _JSONB_CHUNK):
        pairs = ", ".join(
            f"%({param})s, {alias}.properties -> %({param})s" for _, param, _ in described[start:start + _JSONB_CHUNK]
        )
        chunks.append(f"jsonb_build_object({pairs})")
    return " || ".join(chunks)


def _common_params(layer: Layer, tile: Tile, *, budget: int, scope: FeatureScope = EVERYTHING) -> dict:
    tile_deg = 360.0 / (1 << tile.z)
    west, south, east, north = buffered_bounds(tile)
    return {
        "west": west,
        "south": south,
        "east": east,
        "north": north,
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "layer": layer.pk,
        "extent": EXTENT,
        "buffer": BUFFER,
        "name": layer.slug,
        "min_size": tile_deg / 256,
        "budget": max(1, budget),
        "sample_rows": SAMPLE_ROWS,
        "area": scope.area_ewkb,
    }


def mvt_statement(*, layer: Layer, tile: Tile, scope: FeatureScope = EVERYTHING) -> Statement:
    described, fields = _field_params(layer, scope)
    params = _common_params(layer, tile, budget=settings.TILE_MAX_FEATURES, scope=scope) | fields
    params["tolerance_m"] = 2 * math.pi * 6378137 / (1 << tile.z) / EXTENT
    return Statement(_MVT.format(columns=_mvt_columns(described, "k")), params)


def geojson_statement(*, layer: Layer, tile: Tile, scope: FeatureScope = EVERYTHING) -> Statement:
    described, fields = _field_params(layer, scope)
    params = _common_params(layer, tile, budget=settings.TILE_MAX_FEATURES // GEOJSON_BUDGET_SHARE,
                            scope=scope) | fields
    unit_deg = 360.0 / (1 << tile.z) / EXTENT
    params["tolerance_deg"] = unit_deg * math.cos(math.radians(center_latitude(tile)))
    params["precision"] = max(0, min(8, math.ceil(-math.log10(unit_deg)) + 1))
    return Statement(_GEOJSON.format(properties=_jsonb_properties(described, "k")), params)


def plain_mvt_statement(*, layer: Layer, tile: Tile) -> Statement:
    described, fields = _field_params(layer)
    params = _common_params(layer, tile, budget=0) | fields
    return Statement(_PLAIN_MVT.format(columns=_mvt_columns(described, "f")), params)


def tile_statement(*, layer: Layer, tile: Tile, fmt: str, scope: FeatureScope = EVERYTHING) -> Statement:
    if fmt == "mvt":
        return mvt_statement(layer=layer, tile=tile, scope=scope)
    if fmt == "geojson":
        return geojson_statement(layer=layer, tile=tile, scope=scope)
    raise ValueError(f"Unknown tile format {fmt!r}; choose from {', '.join(FORMATS)}.")


def execute(statement: Statement) -> bytes:
    """Run a tile statement; an empty tile is b""."""
    with read_connection().cursor() as cursor:  # the replica's, when the request reads there
        read_text_as_bytes(cursor)  # a GeoJSON tile goes to the client as PostgreSQL wrote it
        cursor.execute(statement.sql, statement.params)
        row = cursor.fetchone()
    value = row[0] if row else None
    return b"" if value is None else bytes(value)


def tile_render(*, layer: Layer, tile: Tile, fmt: str, scope: FeatureScope = EVERYTHING) -> bytes:
    """The tile body in `fmt` (b"" when the tile holds no features), from one SQL statement."""
    return execute(tile_statement(layer=layer, tile=tile, fmt=fmt, scope=scope))
