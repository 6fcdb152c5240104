"""A copy of a layer kept from its change feed, in a GeoPackage or a PostGIS database (via OGR).

The first run copies the layer as one consistent snapshot and notes the feed's position in that
snapshot; every run after applies the changes since the position it stored, in the same OGR
transaction as the changes themselves, so an interrupted run resumes where the last page ended.
A change is applied only when its version is newer than the copy's, so the changes that the
snapshot already held and that the feed hands out again are harmless."""
from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection, transaction
from osgeo import gdal, ogr, osr

from layers.changes.feed import Change, changes_head, changes_read, cursor_decode
from layers.models import Feature, Layer

gdal.UseExceptions()
# Rows are looked up before each write (is the copy newer?); COPY mode would defer the writes.
gdal.SetConfigOption("PG_USE_COPY", "NO")
STATE_TABLE = "geoportal_mirror_state"
PAGE = 1000
_OGR_TYPES = {"integer": (ogr.OFTInteger64, ogr.OFSTNone), "decimal": (ogr.OFTReal, ogr.OFSTNone),
              "boolean": (ogr.OFTInteger, ogr.OFSTBoolean)}


class MirrorError(Exception):
    """The target cannot be opened or does not hold a mirror of this layer."""


@dataclass(frozen=True)
class MirrorResult:
    copied: int  # features copied by a first run
    applied: int  # changes applied
    cursor: str


def _open(target: str) -> gdal.Dataset:
    """A GeoPackage path, or a postgis:// / postgresql:// URL."""
    if target.startswith(("postgis://", "postgres://", "postgresql://")):
        parts = urlsplit(target)
        conninfo = " ".join(f"{key}='{value}'" for key, value in [
            ("dbname", unquote(parts.path.lstrip("/"))), ("host", parts.hostname), ("port", parts.port),
            ("user", unquote(parts.username or "")), ("password", unquote(parts.password or ""))] if value)
        try:
            return gdal.OpenEx(f"PG:{conninfo}", gdal.OF_VECTOR | gdal.OF_UPDATE)
        except RuntimeError as exc:
            raise MirrorError(f"Cannot open the PostGIS target: {exc}") from exc
    try:
        return gdal.OpenEx(target, gdal.OF_VECTOR | gdal.OF_UPDATE)
    except RuntimeError:
        driver = gdal.GetDriverByName("GPKG")
        return driver.Create(target, 0, 0, 0, gdal.GDT_Unknown)


def _reopened(dataset, target: str) -> gdal.Dataset:
    """OGR's PostgreSQL driver defers a new table's CREATE TABLE until the dataset closes (or its
    first row), so a table made in this run is only usable, and only lasts, once reopened."""
    dataset.FlushCache()
    dataset = None
    return _open(target)


def _create_state(dataset) -> None:
    state = dataset.CreateLayer(STATE_TABLE, geom_type=ogr.wkbNone)
    state.CreateField(ogr.FieldDefn("layer", ogr.OFTString))
    state.CreateField(ogr.FieldDefn("cursor", ogr.OFTString))


def _stored_cursor(state: ogr.Layer, name: str) -> tuple[ogr.Feature | None, str | None]:
    state.SetAttributeFilter(None)
    for row in state:
        if row.GetField("layer") == name:
            return row, row.GetField("cursor")
    return None, None


def _create_copy(dataset, layer: Layer, name: str) -> None:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    options = ["FID=fid", "GEOMETRY_NAME=geom"] + (["LAUNDER=NO"] if _is_postgis(dataset) else [])
    copy = dataset.CreateLayer(name, srs, ogr.wkbUnknown, options=options)
    copy.CreateField(ogr.FieldDefn("version", ogr.OFTInteger64))
    for field in layer.schema:
        kind, subtype = _OGR_TYPES.get(field["type"], (ogr.OFTString, ogr.OFSTNone))
        definition = ogr.FieldDefn(field["name"], kind)
        definition.SetSubType(subtype)
        copy.CreateField(definition)


def _is_postgis(dataset) -> bool:
    return dataset.GetDriver().ShortName == "PostgreSQL"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _exact_decimals(dataset, copy: ogr.Layer, layer: Layer, feature_id: int, properties: dict) -> None:
    """OGR's PostgreSQL driver writes a double as text with 15 significant digits, which loses the
    last bits of many values; the row's decimals are set again from their shortest exact form."""
    values = [(field["name"], float(properties[field["name"]])) for field in layer.schema
              if field["type"] == "decimal" and properties.get(field["name"]) is not None]
    sets = [f"{_quoted(name)} = {value!r}" for name, value in values if math.isfinite(value)]
    if sets:
        dataset.ExecuteSQL(f"UPDATE {_quoted(copy.GetName())} SET {', '.join(sets)} "
                           f"WHERE {_quoted(copy.GetFIDColumn())} = {int(feature_id)}")


def _write(dataset, copy: ogr.Layer, layer: Layer, feature_id: int, version: int, geojson: str,
           properties: dict) -> None:
    row = ogr.Feature(copy.GetLayerDefn())
    row.SetFID(feature_id)
    row.SetField("version", version)
    for field in layer.schema:
        value = properties.get(field["name"])
        if value is None:
            row.SetFieldNull(field["name"])
        elif field["type"] in _OGR_TYPES:
            row.SetField(field["name"], int(value) if field["type"] == "boolean" else value)
        else:
            row.SetField(field["name"], str(value))
    row.SetGeometry(ogr.CreateGeometryFromJson(geojson))
    existing = copy.GetFeature(feature_id)
    if existing is None:
        copy.CreateFeature(row)
    else:
        copy.SetFeature(row)
    if _is_postgis(dataset):
        _exact_decimals(dataset, copy, layer, feature_id, properties)


def _apply(dataset, copy: ogr.Layer, layer: Layer, change: Change) -> bool:
    existing = copy.GetFeature(change.feature_id)
    if existing is not None and existing.GetField("version") >= change.version:
        return False  # the copy is as new already (the snapshot held it)
    if change.type == "delete":
        if existing is not None:
            copy.DeleteFeature(change.feature_id)
        return True
    _write(dataset, copy, layer, change.feature_id, change.version, change.geometry, change.properties)
    return True


def _snapshot(dataset, copy: ogr.Layer, layer: Layer) -> tuple[int, str]:
    """Copy the layer as one snapshot; the feed position in that snapshot."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = changes_head(layer=layer)
        copied = 0
        dataset.StartTransaction()
        for feature_id, version, geojson, properties in (
                Feature.objects.of_layer(layer).order_by("id").annotate(gj=AsGeoJSON("geom", precision=15))
                .values_list("id", "version", "gj", "properties").iterator(chunk_size=2000)):
            _write(dataset, copy, layer, feature_id, version, geojson, properties)
            copied += 1
        dataset.CommitTransaction()
    return copied, head.encode()


def layer_mirror(*, layer: Layer, target: str, name: str = "") -> MirrorResult:
    """Bring the copy of `layer` in `target` up to date (creating it on the first run)."""
    name = name or layer.slug
    dataset = _open(target)
    if dataset is None:
        raise MirrorError(f"Cannot open or create {target}.")
    if dataset.GetLayerByName(STATE_TABLE) is None:
        _create_state(dataset)
        dataset = _reopened(dataset, target)
    state = dataset.GetLayerByName(STATE_TABLE)
    row, stored = _stored_cursor(state, name)
    copied, copy = 0, dataset.GetLayerByName(name)
    if row is None:
        if copy is not None:
            raise MirrorError(f"{target} has a table {name} that is not a mirror; choose another name.")
        _create_copy(dataset, layer, name)
        dataset = _reopened(dataset, target)
        state, copy = dataset.GetLayerByName(STATE_TABLE), dataset.GetLayerByName(name)
        copied, stored = _snapshot(dataset, copy, layer)
        row = ogr.Feature(state.GetLayerDefn())
        row.SetField("layer", name)
        row.SetField("cursor", stored)
        state.CreateFeature(row)
    if copy is None:
        raise MirrorError(f"{target} lost the table {name}; remove its row from {STATE_TABLE} to copy it afresh.")
    since = cursor_decode(stored)
    applied = 0
    while True:
        page = changes_read(layer=layer, since=since, limit=PAGE)
        if page.next == since:
            break
        dataset.StartTransaction()
        applied += sum(_apply(dataset, copy, layer, change) for change in page.changes)
        row.SetField("cursor", page.next.encode())
        state.SetFeature(row)
        dataset.CommitTransaction()
        since = page.next
        if not page.more:
            break
    dataset.FlushCache()
    dataset = None
    return MirrorResult(copied, applied, since.encode())

