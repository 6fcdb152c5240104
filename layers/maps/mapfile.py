"""Layers and their styles as one MapServer map (mapscript.mapObj).

The mapfile text is generated from fixed keywords, numbers and checked names only (slugs,
schema field names); every text that comes from a person — titles, abstracts, the database
password — is set afterwards through the object API, so nothing typed into a layer's
metadata can change the map's structure.

Vector layers read PostGIS through Django's database settings (one sub-select of
layers_feature per layer, compared with a bigint so the (layer, geom) GiST index serves it);
the sub-select is completed per drawing by `vector_data` with the pixel size (thinning).
Raster layers read their COG under RASTER_ROOT.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import mapscript
import psycopg
from django.conf import settings
from django.db import connection

from layers.maps import styles
from layers.models import Layer
from layers.schema import SchemaError, parse_schema
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.queries import SAMPLE_COARSE, SAMPLE_FINE

FONTSET = Path(__file__).with_name("fontset.txt")
MAX_SIZE = 10000  # pixels per side MapServer accepts at all (prints at 300 dpi on A3 stay under it)
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
DIMENSIONS = {"point": 0, "line": 1, "polygon": 2}
_TYPES = {"point": "POINT", "line": "LINE", "polygon": "POLYGON"}

OUTPUT_FORMATS = """
OUTPUTFORMAT NAME "png" DRIVER AGG/PNG MIMETYPE "image/png" IMAGEMODE RGBA TRANSPARENT ON EXTENSION "png"
  FORMATOPTION "COMPRESSION=2" END
OUTPUTFORMAT NAME "jpeg" DRIVER AGG/JPEG MIMETYPE "image/jpeg" IMAGEMODE RGB EXTENSION "jpg"
  FORMATOPTION "QUALITY=85" END
OUTPUTFORMAT NAME "pdf" DRIVER CAIRO/PDF MIMETYPE "application/pdf" IMAGEMODE RGB EXTENSION "pdf" END
OUTPUTFORMAT NAME "svg" DRIVER CAIRO/SVG MIMETYPE "image/svg+xml" IMAGEMODE RGB EXTENSION "svg" END
"""


def layer_name(layer: Layer) -> str:
    """The MapServer/WMS name of a layer: its slug (checked, as it goes into the mapfile)."""
    if not _SLUG.match(layer.slug):
        raise ValueError(f"Layer slug {layer.slug!r} cannot name a map layer.")
    return layer.slug


def pg_connection() -> str:
    """libpq connection string of Django's default database (values quoted by psycopg)."""
    db = connection.settings_dict
    options = db.get("OPTIONS", {})
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None, port=str(db.get("PORT") or "") or None,
        # One drawing is one of many requests at once: no parallel workers (their start-up alone
        # costs a low-zoom map more than it saves).
        options=(str(options.get("options") or "") + " -c max_parallel_workers_per_gather=0").strip(),
        application_name="geoportal-maps",
    )


def _dimensions(layer: Layer) -> list[str]:
    if layer.geometry_type == Layer.GeometryType.MIXED:
        return ["polygon", "line", "point"]
    return [layer.geometry_type]


def has_hillshade(layer: Layer) -> bool:
    raster = layer.raster
    return bool(raster.kind == raster.Kind.ELEVATION and raster.hillshade_path
                and styles.raster_style(layer.style, raster.value_range).hillshade)


def sublayer_names(layer: Layer) -> list[str]:
    """The MapServer layers a Geoportal layer is drawn by, bottom to top: the slug itself, or
    for mixed vector layers and shaded elevation `slug__<part>` layers grouped under the slug."""
    name = layer_name(layer)
    if layer.is_raster:
        return [f"{name}__colour", f"{name}__hillshade"] if has_hillshade(layer) else [name]
    dims = _dimensions(layer)
    return [name] if len(dims) == 1 else [f"{name}__{d}" for d in dims]


def schema_fields(layer: Layer) -> list[str]:
    """The layer's schema field names (checked by layers.schema: [a-z][a-z0-9_]*)."""
    try:
        return [field.name for field in parse_schema(layer.schema)]
    except SchemaError:
        return []


def label_field(layer: Layer) -> str:
    field = styles.vector_style(layer.style).label_field
    return field if field in schema_fields(layer) else ""


def scoped_label_field(layer: Layer, scope: FeatureScope = EVERYTHING) -> str:
    """The label field, unless the viewer's scope hides it."""
    field = label_field(layer)
    return field if field and scope.shows_field(field) else ""


def label_min_zoom(layer: Layer) -> float:
    """From which zoom labels show, as style.js labelMinZoom: style.label_min_zoom when given,
    else the layer's min_zoom for polygons and at least 15 for points and lines."""
    given = layer.style.get("label_min_zoom") if isinstance(layer.style, dict) else None
    if not isinstance(given, bool) and isinstance(given, (int, float)) and math.isfinite(given):
        return float(given)
    if layer.geometry_type == Layer.GeometryType.POLYGON:
        return float(layer.min_zoom)
    return float(max(layer.min_zoom, 15))


def _group(name: str, sub: str) -> str:
    return f'GROUP "{name}"' if sub != name else ""


def _vector_blocks(layer: Layer) -> str:
    style = styles.vector_style(layer.style)
    labelled = bool(label_field(layer))
    name = layer_name(layer)
    blocks = []
    for dimension, sub in zip(_dimensions(layer), sublayer_names(layer), strict=True):
        label_item = 'LABELITEM "gp_label"' if labelled else ""
        blocks.append(f"""
LAYER NAME "{sub}" {_group(name, sub)} TYPE {_TYPES[dimension]} STATUS ON
  CONNECTIONTYPE POSTGIS
  PROCESSING "CLOSE_CONNECTION=DEFER"
  PROJECTION "init=epsg:4326" END
  TEMPLATE "ttt"
  TOLERANCE 4 TOLERANCEUNITS PIXELS
  {label_item}
  {styles.vector_class_block(style, dimension, labelled=labelled)}
END""")
    return "\n".join(blocks)


def raster_file(relative: str) -> str:
    """An absolute path under RASTER_ROOT; a stored path leaving it is refused."""
    root = Path(settings.RASTER_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"Raster path {relative!r} is outside RASTER_ROOT.")
    return str(path)


def _raster_processing(layer: Layer, style: styles.RasterStyle) -> list[str]:
    raster = layer.raster
    processing = [f"NODATA={raster.nodata!r}"] if raster.nodata is not None else []
    if raster.kind == raster.Kind.ELEVATION:
        low, high = style.ramp[0][0], style.ramp[-1][0]
        if len(raster.value_range or []) == 2:
            low, high = min(low, raster.value_range[0]), max(high, raster.value_range[1])
        processing += [f"SCALE={low!r},{high!r}", "SCALE_BUCKETS=4096", "RESAMPLE=BILINEAR"]
    elif raster.kind == raster.Kind.IMAGERY:
        bands = "1,2,3,4" if raster.band_count >= 4 else ("1,2,3" if raster.band_count == 3 else "1")
        processing += [f"BANDS={bands}", "RESAMPLE=BILINEAR"]
    else:
        processing += ["RESAMPLE=NEAREST"]
    return processing


def _raster_blocks(layer: Layer) -> str:
    raster = layer.raster
    style = styles.raster_style(layer.style, raster.value_range)
    name = layer_name(layer)
    names = sublayer_names(layer)
    processing = " ".join(f'PROCESSING "{item}"' for item in _raster_processing(layer, style))
    classes = styles.ramp_class_blocks(style) if raster.kind == raster.Kind.ELEVATION else ""
    opacity = round(style.opacity * 100)
    blocks = [f"""
LAYER NAME "{names[0]}" {_group(name, names[0])} TYPE RASTER STATUS ON
  {processing}
  COMPOSITE OPACITY {opacity} END
  TEMPLATE "ttt"
  {classes}
END"""]
    if len(names) > 1:
        shade = round(style.hillshade_opacity * opacity)
        blocks.append(f"""
LAYER NAME "{names[1]}" {_group(name, names[1])} TYPE RASTER STATUS ON
  PROCESSING "RESAMPLE=BILINEAR"
  PROCESSING "NODATA=0"
  COMPOSITE OPACITY {shade} COMPOP "multiply" END
END""")
    return "\n".join(blocks)


@dataclass(frozen=True)
class MapLayer:
    """One Geoportal layer in a built map: its MapServer layer names, bottom to top."""

    layer: Layer
    names: list[str]


def map_text(layers: list[Layer], web: str = "") -> str:
    """The mapfile of `layers` (first at the bottom); `web` is a WEB block's inside (WMS)."""
    blocks = [_raster_blocks(layer) if layer.is_raster else _vector_blocks(layer) for layer in layers]
    return f"""
MAP
  NAME "geoportal"
  SIZE 256 256
  MAXSIZE {MAX_SIZE}
  EXTENT -180 -90 180 90
  UNITS DD
  IMAGETYPE "png"
  IMAGECOLOR 255 255 255
  FONTSET "{FONTSET}"
  DEFRESOLUTION 96
  RESOLUTION 96
  PROJECTION "init=epsg:4326" END
  {OUTPUT_FORMATS}
  {styles.symbols_block()}
  WEB {web} END
  {"".join(blocks)}
END
"""


def build_map(layers: list[Layer], web: str = "") -> tuple[mapscript.mapObj, list[MapLayer]]:
    """The map of `layers` (bottom to top); data sources are set through the object API."""
    mapobj = mapscript.fromstring(map_text(layers, web))
    built = []
    for layer in layers:
        names = sublayer_names(layer)
        for index, name in enumerate(names):
            target = mapobj.getLayerByName(name)
            if layer.is_raster:
                raster = layer.raster
                target.data = raster_file(raster.hillshade_path if index else raster.path)
                if raster.epsg:
                    target.setProjection(f"init=epsg:{int(raster.epsg)}")
                else:
                    target.setWKTProjection(raster.srs_wkt)
            else:
                target.connection = pg_connection()
        built.append(MapLayer(layer, names))
    return mapobj, built


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The id samples with GiST indexes of their own (migration layers 0006), as the vector tiles read them.
COARSE, FINE = SAMPLE_COARSE, SAMPLE_FINE
READ_BUDGETS = 2  # a drawing reads at most about this many budgets of rows


def vector_data(layer: Layer, dimension: str | None, pixel_lon: float, pixel_lat: float, budget: int, *,
                fields: bool = True, scope: FeatureScope = EVERYTHING) -> str:
    """DATA of a vector layer for one drawing whose pixels span `pixel_lon` × `pixel_lat`
    degrees, thinned as the vector tiles are (layers/tiles/queries.py): the features meeting
    the view (!BOX!); lines and polygons whose box is smaller than a pixel both ways left out
    (they would draw as less than one); past `budget` candidates only ids divisible by the
    smallest power of two that brings them under it (stable, and nested from zoom to zoom);
    geometries simplified to half a pixel. The schema fields come as text columns, unless not
    `fields` (a drawing needs none), and the label as gp_label. `dimension` picks one part of a
    mixed layer.

    Dense views are not read feature by feature. The coarse sample (one feature in 32, its own
    index) is read first; times 32 it estimates how many features meet the view and how many
    of those pass the size rule. A view holding more than READ_BUDGETS budgets is then read
    from the fine sample (one in 8), past 8 times that from the coarse one, and the step is at
    least the sample's: a whole-city map reads a thirty-second of the city, and may show fewer
    features than its vector tile where the size rule had left few (docs/maps.md).

    A viewer through a scoped share (layers/scope.py) reads the features meeting its area, its
    fields only, and a label only when the label field is one of them."""
    names = [field for field in schema_fields(layer) if scope.shows_field(field)] if fields else []
    columns = "".join(f", f.properties ->> {_sql_literal(field)} AS \"{field}\"" for field in names)
    label = scoped_label_field(layer, scope)
    label_column = f", f.properties ->> {_sql_literal(label)} AS gp_label" if label else ""
    drawn = dimension or layer.geometry_type
    where = [f"f.layer_id = {int(layer.pk)}::bigint", "f.geom && !BOX!"]
    if dimension:
        where.append(f"ST_Dimension(f.geom) = {DIMENSIONS[dimension]}")
    if scope.area is not None:
        where.append(f"ST_Intersects(f.geom, ST_GeomFromEWKB(decode('{scope.area_ewkb.hex()}', 'hex')))")
    sized = "true"
    if drawn in ("line", "polygon"):
        sized = (f"(ST_XMax(f.geom) - ST_XMin(f.geom) >= {pixel_lon:.12f}"
                 f" OR ST_YMax(f.geom) - ST_YMin(f.geom) >= {pixel_lat:.12f})")
    elif drawn == "mixed":
        sized = (f"(ST_Dimension(f.geom) = 0 OR ST_XMax(f.geom) - ST_XMin(f.geom) >= {pixel_lon:.12f}"
                 f" OR ST_YMax(f.geom) - ST_YMin(f.geom) >= {pixel_lat:.12f})")
    meets = " AND ".join(where)
    budget = max(1, int(budget))
    most = READ_BUDGETS * budget
    rate = "(SELECT rate FROM reading)"
    tolerance = f"{min(pixel_lon, pixel_lat) * 0.5:.12f}"
    geometry = "f.geom" if drawn == "point" else f"ST_Simplify(f.geom, {tolerance}, true)"
    return (
        f"geom FROM (WITH sample AS MATERIALIZED (SELECT f.id, {sized} AS shown FROM layers_feature f"
        f" WHERE {meets} AND f.id % {COARSE} = 0), "
        f"estimated AS (SELECT count(*) * {COARSE} AS meeting, count(*) FILTER (WHERE shown) * {COARSE} AS n"
        " FROM sample), "
        f"reading AS (SELECT CASE WHEN meeting > {FINE * most} THEN {COARSE} WHEN meeting > {most} THEN {FINE}"
        " ELSE 1 END AS rate FROM estimated), "
        f"candidates AS MATERIALIZED (SELECT id FROM sample WHERE shown AND {rate} = {COARSE}"
        f" UNION ALL SELECT f.id FROM layers_feature f WHERE {rate} = {FINE} AND {meets} AND {sized}"
        f" AND f.id % {FINE} = 0"
        f" UNION ALL SELECT f.id FROM layers_feature f WHERE {rate} = 1 AND {meets} AND {sized}), "
        "counted AS (SELECT CASE WHEN r.rate > 1 THEN e.n ELSE (SELECT count(*) FROM candidates) END AS n,"
        " r.rate FROM estimated e, reading r), "
        "sampling AS MATERIALIZED (SELECT greatest(rate, power(2, greatest(0, ceil(log(2, greatest(n, 1)::numeric"
        f" / {budget}))))::bigint) AS step FROM counted)"
        " SELECT f.id" + columns + label_column + f", {geometry} AS geom"
        " FROM candidates c JOIN layers_feature f ON f.id = c.id, sampling s WHERE c.id % s.step = 0"
        ") AS t USING UNIQUE id USING SRID=4326"
    )


def dimension_of(layer: Layer, name: str) -> str | None:
    """Which geometry dimension a MapServer layer of a mixed layer draws (None: all)."""
    if layer.geometry_type != Layer.GeometryType.MIXED:
        return None
    return name.rsplit("__", 1)[1]
