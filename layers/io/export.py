"""Exports of a layer (or the features in a bbox / matching an attribute filter) through ogr2ogr.

The features are selected by one SQL statement over layers_feature, composed with psycopg's
sql module (identifiers quoted, values as literals — never pasted from input), with each schema
field cast to its type. ogr2ogr reads it from PostGIS through a cursor and writes to /vsistdout/
where the format streams (GeoJSON, CSV, KML), otherwise to a private temporary folder whose file
is then streamed (GeoPackage, FlatGeobuf, zipped Shapefile). Either way the server holds only a
chunk at a time.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from psycopg import ClientCursor, sql

from layers.io.crs import GCJ02
from layers.io.errors import InvalidRequest
from layers.io.gdalenv import child_env
from layers.io.staging import pg_dsn
from layers.models import Layer
from layers.ogcapi.filtering import parse_filter as parse_cql2
from layers.ogcapi.protocol import ApiError
from layers.schema import parse_schema
from layers.scope import EVERYTHING, FeatureScope

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ExportFormat:
    driver: str
    extension: str
    content_type: str
    streams: bool
    options: tuple[str, ...] = ()
    only_4326: bool = False


FORMATS = {
    "geojson": ExportFormat("GeoJSON", "geojson", "application/geo+json", True, ("-lco", "WRITE_NAME=NO")),
    "csv": ExportFormat("CSV", "csv", "text/csv; charset=utf-8", True, ("-lco", "WRITE_BOM=YES")),
    "csv-xy": ExportFormat("CSV", "xy.csv", "text/csv; charset=utf-8", True, ("-lco", "WRITE_BOM=YES")),
    "kml": ExportFormat("KML", "kml", "application/vnd.google-earth.kml+xml", True, (), only_4326=True),
    "gpkg": ExportFormat("GPKG", "gpkg", "application/geopackage+sqlite3", False),
    "fgb": ExportFormat("FlatGeobuf", "fgb", "application/flatgeobuf", False),
    "shapefile": ExportFormat("ESRI Shapefile", "zip", "application/zip", False, ("-lco", "ENCODING=UTF-8")),
}
_CASTS = {"integer": "bigint", "decimal": "float8", "boolean": "boolean", "date": "date"}
_OPERATORS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<=", "~": "ILIKE"}
_CONDITION = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(!=|>=|<=|=|>|<|~)\s*(.*?)\s*$")


def parse_filter(raw: str | None, layer: Layer, scope: FeatureScope = EVERYTHING) -> list[tuple[str, str, str]]:
    """'level=primary;pupils>=500;name~中学' -> [(field, operator, value)], fields checked (those
    the viewer's scope shows, layers/scope.py)."""
    if not raw:
        return []
    fields = {f.name: f for f in scope.schema(parse_schema(layer.schema))}
    conditions = []
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        match = _CONDITION.match(part)
        if not match or match.group(1) not in fields:
            raise InvalidRequest(f"Cannot read the filter {part!r}: write field=value (also !=, >, >=, <, <=, ~ "
                                 f"for 'contains'), joined by ';'. Fields: {', '.join(fields)}.")
        conditions.append(match.groups())
    return conditions


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """'west,south,east,north' in degrees (EPSG:4326)."""
    if not raw:
        return None
    try:
        west, south, east, north = (float(p) for p in raw.split(","))
    except ValueError as exc:
        raise InvalidRequest("bbox needs four numbers: west,south,east,north (degrees).") from exc
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidRequest("bbox must be west,south,east,north in degrees, with west <= east and south <= north.")
    return west, south, east, north


def cql2_condition(params, layer: Layer, scope: FeatureScope = EVERYTHING) -> sql.Composable | None:
    """A CQL2 filter (`filter-lang=cql2-text|cql2-json`, as the OGC API takes it) as a SQL condition:
    the OGC API's own compiler, its parameters bound by psycopg into the statement ogr2ogr runs."""
    try:
        fragment = parse_cql2(params, scope.schema(parse_schema(layer.schema)))
    except ApiError as exc:
        raise InvalidRequest(exc.description) from exc
    if fragment is None:
        return None
    connection.ensure_connection()
    return sql.SQL(ClientCursor(connection.connection).mogrify(fragment.sql, fragment.params))


def _field_expr(name: str, ftype: str) -> sql.Composable:
    text = sql.SQL("(f.properties ->> {})").format(sql.Literal(name))
    cast = _CASTS.get(ftype)
    return sql.SQL("{}::{}").format(text, sql.SQL(cast)) if cast else text


def _geometry_sql(srid: int | str) -> sql.Composable:
    """The exported geometry: reprojected by PROJ, or moved into GCJ-02 by the SQL function of the
    public formula (layers/io/migrations/0004; GCJ-02 has no PROJ definition)."""
    if srid == GCJ02:
        return sql.SQL("layers_io_to_gcj02(f.geom)")
    return sql.SQL("ST_Transform(f.geom, {})").format(sql.Literal(srid))


def _output_srs(srid: int | str) -> str:
    """What the file declares: GCJ-02 has no EPSG code, and is by convention labelled WGS 84."""
    return "EPSG:4326" if srid == GCJ02 else f"EPSG:{srid}"


def select_sql(*, layer: Layer, srid: int | str, bbox, conditions, names: dict[str, str] | None = None,
               cql2: sql.Composable | None = None, scope: FeatureScope = EVERYTHING) -> str:
    """The SELECT ogr2ogr runs, as a string composed by psycopg (values are quoted literals); a
    scoped viewer's has the scope's fields and features (layers/scope.py)."""
    fields = scope.schema(parse_schema(layer.schema))
    names = names or {f.name: f.name for f in fields}
    columns = [sql.SQL("f.id AS fid")]
    columns += [sql.SQL("{} AS {}").format(_field_expr(f.name, f.type), sql.Identifier(names[f.name])) for f in fields]
    columns.append(sql.SQL("{} AS geom").format(_geometry_sql(srid)))
    where = [sql.SQL("f.layer_id = {}").format(sql.Literal(layer.pk))]
    if bbox:
        where.append(sql.SQL("f.geom && ST_MakeEnvelope({}, {}, {}, {}, 4326)").format(*map(sql.Literal, bbox)))
    if cql2 is not None:
        where.append(sql.SQL("({})").format(cql2))
    if scope.area is not None:
        where.append(sql.SQL("ST_Intersects(f.geom, ST_GeomFromEWKB({}))").format(sql.Literal(scope.area_ewkb)))
    types = {f.name: f.type for f in fields}
    for name, operator, value in conditions:
        if operator == "~":
            where.append(sql.SQL("(f.properties ->> {}) ILIKE {}").format(
                sql.Literal(name), sql.Literal("%" + value.replace("\\", "\\\\").replace("%", "\\%") + "%")))
            continue
        try:
            literal = sql.SQL("{}::{}").format(sql.Literal(value), sql.SQL(_CASTS[types[name]])) \
                if types[name] in _CASTS else sql.Literal(value)
        except KeyError as exc:
            raise InvalidRequest(f"Cannot compare {name}.") from exc
        where.append(sql.SQL("{} {} {}").format(_field_expr(name, types[name]), sql.SQL(_OPERATORS[operator]),
                                                literal))
    query = sql.SQL("SELECT {} FROM layers_feature f WHERE {} ORDER BY f.id").format(
        sql.SQL(", ").join(columns), sql.SQL(" AND ").join(where))
    connection.ensure_connection()
    return query.as_string(connection.connection)


def validate_values(*, layer: Layer, conditions) -> None:
    """Refuse filter values that do not fit their field's type (a 400, not a failed export)."""
    types = {f.name: f.type for f in parse_schema(layer.schema)}
    checks = {"integer": r"-?\d{1,18}", "decimal": r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?",
              "boolean": r"(?i)true|false", "date": r"\d{4}-\d{2}-\d{2}"}
    for name, operator, value in conditions:
        pattern = checks.get(types[name])
        if operator != "~" and pattern and not re.fullmatch(pattern, value):
            raise InvalidRequest(f"The filter value {value!r} does not fit {name} ({types[name]}).")


def shapefile_names(layer: Layer, scope: FeatureScope = EVERYTHING) -> dict[str, str]:
    """Schema field -> DBF field name (at most 10 ASCII characters, unique)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for f in scope.schema(parse_schema(layer.schema)):
        short, n = f.name[:10], 1
        while short in used:
            n += 1
            short = f"{f.name[:10 - len(str(n)) - 1]}_{n}"
        used.add(short)
        names[f.name] = short
    return names


def _ogr2ogr(fmt: ExportFormat, destination: str, query: str, layer: Layer, srid: int | str) -> list[str]:
    dsn, _ = pg_dsn()
    cmd = ["ogr2ogr", "-f", fmt.driver, destination, dsn, "-sql", query, "-nln", layer.slug, *fmt.options,
           "-a_srs", _output_srs(srid)]
    if fmt.driver == "CSV":
        cmd += ["-lco", "GEOMETRY=AS_XY" if fmt.extension == "xy.csv" else "GEOMETRY=AS_WKT"]
    family = {"point": "MULTIPOINT", "line": "MULTILINESTRING", "polygon": "MULTIPOLYGON"}.get(layer.geometry_type)
    if fmt.driver == "ESRI Shapefile" and family:  # one type per file; single and multi mix in a layer
        cmd += ["-nlt", family]
    return cmd


def _env(fmt: ExportFormat) -> dict[str, str]:
    return child_env((fmt.driver, "PostgreSQL"), pg_dsn()[1])


def stream_stdout(fmt: ExportFormat, query: str, layer: Layer, srid: int | str) -> Iterator[bytes]:
    """ogr2ogr to /vsistdout/, yielded in chunks as GDAL writes them."""
    proc = subprocess.Popen(_ogr2ogr(fmt, "/vsistdout/", query, layer, srid), env=_env(fmt),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    try:
        while chunk := proc.stdout.read(CHUNK):
            yield chunk
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def write_file(fmt: ExportFormat, query: str, layer: Layer, srid: int | str, folder: Path,
               names: dict[str, str] | None = None) -> Path:
    """ogr2ogr into folder; Shapefiles are zipped with their field-name mapping."""
    target = folder / f"{layer.slug}.{'shp' if fmt.driver == 'ESRI Shapefile' else fmt.extension}"
    result = subprocess.run(_ogr2ogr(fmt, str(target), query, layer, srid), env=_env(fmt), capture_output=True,
                            cwd=folder, check=False, timeout=settings.IMPORT_STAGE_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode("utf-8", "replace")[-500:])
    if fmt.driver != "ESRI Shapefile":
        return target
    mapping = io.StringIO()
    writer = csv.writer(mapping)
    writer.writerow(["field", "shapefile_field", "label_zh", "label_en"])
    for f in parse_schema(layer.schema):
        if names is not None and f.name not in names:
            continue  # a field the viewer's scope hides
        writer.writerow([f.name, (names or {}).get(f.name, f.name), f.label_zh, f.label_en])
    bundle = folder / f"{layer.slug}.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.glob(f"{layer.slug}.*")):
            if part.suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                archive.write(part, part.name)
        archive.writestr("fields.csv", "\ufeff" + mapping.getvalue())
    return bundle
