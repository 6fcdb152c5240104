"""Set-wise checks and the atomic write from a staging table into layers_feature.

Geometry: null/empty rows are skipped; invalid ones repaired (ST_MakeValid), skipped or fatal per
the user's choice; rows outside the city or of the wrong geometry family reject the import.
Attributes: every mapped value is checked in SQL with the rules of layers/schema.py (required,
integer, decimal, boolean, date, choice, string length); any failing row rejects the import.
Every changed or skipped row is reported with its source row number (ogc_fid).
"""
from __future__ import annotations

import json

from django.conf import settings
from django.db import connection
from psycopg import sql

from layers.gcj02 import gcj02_to_wgs84
from layers.io.crs import map_geojson_coords
from layers.io.errors import RowsRejected
from layers.models import Layer
from layers.schema import MAX_STRING_LENGTH, parse_schema

REPORT_ROW_LIMIT = 10_000
_INT_RE = r"^\s*-?\d{1,18}\s*$"
_DEC_RE = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?\s*$"
_TRUE = ["true", "1", "yes", "是", "t", "y"]
_FALSE = ["false", "0", "no", "否", "f", "n"]
_FAMILY_SQL = {
    Layer.GeometryType.POINT: ("ST_Point", "ST_MultiPoint"),
    Layer.GeometryType.LINE: ("ST_LineString", "ST_MultiLineString"),
    Layer.GeometryType.POLYGON: ("ST_Polygon", "ST_MultiPolygon"),
}
_DIMENSION = {Layer.GeometryType.POINT: 1, Layer.GeometryType.LINE: 2, Layer.GeometryType.POLYGON: 3}


def _rows(cursor) -> list[tuple]:
    return cursor.fetchmany(REPORT_ROW_LIMIT)


def shift_from_gcj02(table: str) -> None:
    """Convert staged GCJ-02 lon/lat to WGS 84, row by row (the formula has no SQL/PROJ form)."""
    ident = sql.Identifier(table)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT ogc_fid, ST_AsGeoJSON(geom, 12) FROM {} WHERE geom IS NOT NULL").format(ident))
        rows = cursor.fetchall()
        updates = []
        for fid, text in rows:
            shifted = map_geojson_coords(json.loads(text), gcj02_to_wgs84)
            updates.append((json.dumps(shifted), fid))
        cursor.executemany(
            sql.SQL("UPDATE {} SET geom = ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326) WHERE ogc_fid = %s").format(ident),
            updates,
        )


def geometry_family(table: str) -> str:
    """The geometry type of a new layer from what was staged: point/line/polygon, or mixed."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL(
            "SELECT DISTINCT ST_Dimension(geom) FROM {} WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)"
            " AND GeometryType(geom) <> 'GEOMETRYCOLLECTION'").format(sql.Identifier(table)))
        dims = {row[0] for row in cursor.fetchall()}
    by_dim = {0: Layer.GeometryType.POINT, 1: Layer.GeometryType.LINE, 2: Layer.GeometryType.POLYGON}
    return by_dim[dims.pop()] if len(dims) == 1 else Layer.GeometryType.MIXED


def check_geometries(*, table: str, geometry_type: str, invalid: str) -> dict:
    """Fix or drop geometries in the staging table; return the report's changed/skipped rows.

    Raises RowsRejected for invalid geometries with invalid='fail', for rows outside the city and
    for rows of the wrong geometry family."""
    ident = sql.Identifier(table)
    skipped: list[dict] = []
    changed: list[dict] = []
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DELETE FROM {} WHERE geom IS NULL OR ST_IsEmpty(geom) RETURNING ogc_fid, geom IS NULL")
                       .format(ident))
        for fid, is_null in sorted(cursor.fetchall()):
            skipped.append({"row": fid, "reason": "no geometry" if is_null else "empty geometry"})
        cursor.execute(sql.SQL("SELECT ogc_fid, ST_IsValidReason(geom) FROM {} WHERE NOT ST_IsValid(geom) "
                               "ORDER BY ogc_fid").format(ident))
        bad = cursor.fetchall()
        if bad and invalid == "fail":
            raise RowsRejected(f"{len(bad)} rows have invalid geometries; nothing was written.",
                               rows=[{"row": fid, "reason": f"invalid geometry: {why}"} for fid, why in bad])
        if bad and invalid == "skip":
            cursor.execute(sql.SQL("DELETE FROM {} WHERE NOT ST_IsValid(geom)").format(ident))
            skipped += [{"row": fid, "reason": f"invalid geometry: {why}"} for fid, why in bad]
        elif bad:
            dimension = _DIMENSION.get(geometry_type)
            repaired = sql.SQL("ST_MakeValid(geom)")
            if dimension:
                repaired = sql.SQL("ST_CollectionExtract(ST_MakeValid(geom), {})").format(sql.Literal(dimension))
            cursor.execute(sql.SQL("UPDATE {} SET geom = {} WHERE NOT ST_IsValid(geom)").format(ident, repaired))
            changed += [{"row": fid, "reason": f"geometry repaired ({why})"} for fid, why in bad]
            cursor.execute(sql.SQL("DELETE FROM {} WHERE ST_IsEmpty(geom) RETURNING ogc_fid").format(ident))
            skipped += [{"row": fid, "reason": "geometry empty after repair"} for (fid,) in cursor.fetchall()]
        west, south, east, north = settings.CITY_EXTENT
        cursor.execute(sql.SQL("SELECT ogc_fid FROM {} WHERE NOT (geom @ ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
                               "ORDER BY ogc_fid").format(ident), [west, south, east, north])
        outside = _rows(cursor)
        if outside:
            raise RowsRejected(
                f"{len(outside)} rows lie outside the area this platform serves ({west}, {south}, {east}, {north}) "
                "— is the coordinate system right?",
                rows=[{"row": fid, "reason": "outside the served area"} for (fid,) in outside])
        family = _FAMILY_SQL.get(geometry_type)
        if family:
            cursor.execute(sql.SQL("SELECT ogc_fid, ST_GeometryType(geom) FROM {} "
                                   "WHERE ST_GeometryType(geom) <> ALL(%s) ORDER BY ogc_fid").format(ident),
                           [list(family)])
            wrong = _rows(cursor)
            if wrong:
                raise RowsRejected(
                    f"{len(wrong)} rows have geometries this {geometry_type} layer cannot hold.",
                    rows=[{"row": fid, "reason": f"{kind[3:]} in a {geometry_type} layer"} for fid, kind in wrong])
    return {"changed": changed, "skipped": skipped}


def _value_sql(column: str) -> sql.Composable:
    return sql.SQL("NULLIF(btrim(s.{}::text), '')").format(sql.Identifier(column))


def field_checks(schema: list[dict], mapping: dict[str, str]) -> list[tuple[str, sql.Composable, sql.Composable]]:
    """Per target field: (name, SQL that is true for a bad value, SQL for the cleaned value)."""
    checks = []
    for fdef in parse_schema(schema):
        column = mapping.get(fdef.name)
        if column is None:
            bad = sql.SQL("true") if fdef.required else sql.SQL("false")
            checks.append((fdef.name, bad, sql.SQL("NULL::jsonb")))
            continue
        v = _value_sql(column)
        raw = sql.SQL("s.{}::text").format(sql.Identifier(column))
        if fdef.type == "string":
            value = sql.SQL("to_jsonb(NULLIF({}, ''))").format(raw)
            bad = sql.SQL("length({}) > {}").format(raw, sql.Literal(MAX_STRING_LENGTH))
        elif fdef.type == "integer":
            value = sql.SQL("to_jsonb(({})::bigint)").format(v)
            bad = sql.SQL("{} !~ {}").format(v, sql.Literal(_INT_RE))
        elif fdef.type == "decimal":
            value = sql.SQL("to_jsonb(({})::float8)").format(v)
            bad = sql.SQL("{} !~ {}").format(v, sql.Literal(_DEC_RE))
        elif fdef.type == "boolean":
            value = sql.SQL("to_jsonb(lower({}) = ANY({}))").format(v, sql.Literal(_TRUE))
            bad = sql.SQL("lower({}) <> ALL({})").format(v, sql.Literal(_TRUE + _FALSE))
        elif fdef.type == "date":
            value = sql.SQL("to_jsonb(btrim({}))").format(v)
            bad = sql.SQL("NOT layers_io_is_date({})").format(v)
        else:  # choice
            value = sql.SQL("to_jsonb({})").format(raw)
            bad = sql.SQL("{} <> ALL({})").format(raw, sql.Literal(list(fdef.choices)))
        if fdef.required:
            bad = sql.SQL("({} IS NULL OR coalesce({}, false))").format(
                v if fdef.type != "string" else sql.SQL("NULLIF({}, '')").format(raw), bad)
        checks.append((fdef.name, sql.SQL("coalesce({}, false)").format(bad), value))
    return checks


_MESSAGES = {"string": f"Enter at most {MAX_STRING_LENGTH} characters.", "integer": "Enter a whole number.",
             "decimal": "Enter a number.", "boolean": "Choose yes or no.", "date": "Enter a date as YYYY-MM-DD.",
             "choice": "Choose one of the allowed values."}


def check_attributes(*, table: str, schema: list[dict], mapping: dict[str, str]) -> None:
    """Reject the import, listing every bad row, if any mapped value breaks the layer's schema."""
    checks = field_checks(schema, mapping)
    if not checks:
        return
    types = {f.name: (f.type, f.required) for f in parse_schema(schema)}
    messages = [sql.SQL("CASE WHEN {} THEN {} END").format(
        bad, sql.Literal(f"{name}: " + (_MESSAGES[types[name][0]] + (" (required)" if types[name][1] else ""))))
        for name, bad, _ in checks]
    query = sql.SQL("SELECT ogc_fid, array_remove(ARRAY[{}], NULL) FROM {} s WHERE {} ORDER BY ogc_fid").format(
        sql.SQL(", ").join(messages), sql.Identifier(table), sql.SQL(" OR ").join(bad for _, bad, _ in checks))
    with connection.cursor() as cursor:
        cursor.execute(query)
        bad_rows = _rows(cursor)
    if bad_rows:
        raise RowsRejected(f"{len(bad_rows)}{'+' if len(bad_rows) == REPORT_ROW_LIMIT else ''} rows do not fit the "
                           "layer's fields; nothing was written.",
                           rows=[{"row": fid, "reason": "; ".join(errs)} for fid, errs in bad_rows])


def properties_sql(schema: list[dict], mapping: dict[str, str]) -> sql.Composable:
    """jsonb of the cleaned values (nulls dropped), in chunks under PostgreSQL's 100-argument limit."""
    pairs = [(name, value) for name, _, value in field_checks(schema, mapping) if name in mapping]
    if not pairs:
        return sql.SQL("'{}'::jsonb")
    parts = []
    for start in range(0, len(pairs), 40):
        chunk = pairs[start:start + 40]
        parts.append(sql.SQL("jsonb_build_object({})").format(
            sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(n), v) for n, v in chunk)))
    return sql.SQL("jsonb_strip_nulls({})").format(sql.SQL(" || ").join(parts))
