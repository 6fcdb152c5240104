"""map_render, legend_icon, legend_entries: layers drawn by MapServer (mapscript).

The caller has checked permissions; these functions draw what they are given. A built map is
kept per thread (mapscript objects are not shared between threads), keyed by the layers' ids
and update times, so that a tile or WMS client asking again for the same layers reuses the
parsed map and MapServer's deferred PostGIS connection.

Formats: png (AGG, RGBA), jpeg, webp (MapServer's RGBA image encoded by Pillow: MapServer's
GDAL/WEBP output cannot be written to memory), and pdf/svg (Cairo, vector output for printing;
the COG of a raster layer is embedded as an image).
"""
from __future__ import annotations

import io
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import mapscript
from django.conf import settings
from osgeo import osr
from PIL import Image

from layers.maps import mapfile, styles
from layers.maps.errors import MapRequestError
from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope

FORMATS = ("png", "jpeg", "webp", "pdf", "svg")
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "pdf": "application/pdf",
               "svg": "image/svg+xml"}
_CRS = re.compile(r"^(?:EPSG:|urn:ogc:def:crs:EPSG:[0-9.]*:|http://www\.opengis\.net/def/crs/EPSG/0/)(\d{4,6})$",
                  re.IGNORECASE)
_CRS84 = {"CRS:84", "OGC:CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"}
_MAPS_PER_THREAD = 32
_local = threading.local()


def epsg_of(crs: str) -> int:
    """The EPSG code a CRS name means ("EPSG:4326", "CRS:84", URNs); MapRequestError if unknown."""
    text = (crs or "").strip()
    if text.upper() in _CRS84:
        return 4326
    match = _CRS.match(text)
    if not match or not _known_epsg(int(match.group(1))):
        raise MapRequestError(f"Unknown or unsupported CRS {crs!r}; give one as EPSG:<code>.", "InvalidCRS")
    return int(match.group(1))


@lru_cache(maxsize=256)
def _known_epsg(code: int) -> bool:
    try:
        mapscript.projectionObj(f"init=epsg:{code}")
    except mapscript.MapServerError:
        return False
    return True


@lru_cache(maxsize=256)
def _projection(code: int) -> mapscript.projectionObj:
    return mapscript.projectionObj(f"init=epsg:{code}")


def _check(bbox, width: int, height: int, fmt: str, dpi: float) -> tuple[float, float, float, float]:
    if fmt not in FORMATS:
        raise MapRequestError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.", "InvalidFormat")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= mapfile.MAX_SIZE:
            raise MapRequestError(f"The {name} must be a whole number of pixels from 1 to {mapfile.MAX_SIZE}.")
    if not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
        raise MapRequestError("The dpi must be between 10 and 1200.")
    try:
        minx, miny, maxx, maxy = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise MapRequestError("The bounding box must be four numbers: minx, miny, maxx, maxy.") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or minx >= maxx or miny >= maxy:
        raise MapRequestError("The bounding box must have minx < maxx and miny < maxy.")
    return minx, miny, maxx, maxy


def _key(layers: Sequence[Layer]) -> tuple:
    parts = []
    for layer in layers:
        raster = layer.raster if layer.is_raster else None
        parts.append((layer.pk, layer.updated_at, raster.updated_at if raster else None))
    return tuple(parts)


def built_map(layers: Sequence[Layer], epsg: int) -> tuple[mapscript.mapObj, list[mapfile.MapLayer]]:
    """The map of `layers` drawn in EPSG:`epsg` for this thread, built once per set of layer
    versions and CRS (MapServer keeps each layer's reprojector once made, so a map is not
    switched from one CRS to another)."""
    cache = getattr(_local, "maps", None)
    if cache is None:
        cache = _local.maps = OrderedDict()
    key = (_key(layers), epsg)
    found = cache.get(key)
    if found is None:
        found = mapfile.build_map(list(layers))
        cache[key] = found
        while len(cache) > _MAPS_PER_THREAD:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return found


@dataclass(frozen=True)
class PixelSize:
    """How many degrees of longitude and of latitude one pixel spans at the view's centre."""

    lon: float
    lat: float


def pixel_size(extent: tuple[float, float, float, float], epsg: int, width: int, height: int) -> PixelSize:
    """The drawing's pixel in degrees (the thinning compares features' boxes with it)."""
    if _geographic(epsg):
        return PixelSize((extent[2] - extent[0]) / width, (extent[3] - extent[1]) / height)
    mid_x, mid_y = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    try:
        (west, _, _), (east, _, _), (_, south, _), (_, north, _) = _to_lonlat(epsg).TransformPoints(
            [(extent[0], mid_y), (extent[2], mid_y), (mid_x, extent[1]), (mid_x, extent[3])])
    except RuntimeError:
        raise MapRequestError("The bounding box cannot be expressed in longitude and latitude.") from None
    if not all(math.isfinite(v) for v in (west, east, south, north)):
        raise MapRequestError("The bounding box lies outside the area its CRS can express.")
    return PixelSize(max(abs(east - west), 1e-12) / width, max(abs(north - south), 1e-12) / height)


@lru_cache(maxsize=64)
def _geographic(epsg: int) -> bool:
    return _projection(epsg).getUnits() == mapscript.MS_DD


@lru_cache(maxsize=64)
def _to_lonlat(epsg: int) -> osr.CoordinateTransformation:
    """x/y in EPSG:`epsg` (east, north order) to longitude/latitude (made once: PROJ's set-up of
    a transformation costs about 20 ms)."""
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(epsg)
    target.ImportFromEPSG(4326)
    for ref in (source, target):
        ref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return osr.CoordinateTransformation(source, target)


def mapserver_extent(extent, width: int, height: int, *, vectors: bool) -> tuple[float, float, float, float]:
    """MapServer's extent for an image of `width` × `height` covering the box `extent` edge to
    edge (as WMS and every tile grid mean it). MapServer's extent spans width - 1 pixels. Its
    vector renderers put the extent's corner on the image's corner, so with vector layers the
    extent is the box less one pixel east and south; its raster drawing takes the extent as the
    centres of the edge pixels, so a map of raster layers only is the box less half a pixel on
    every side (tests/maps/test_render.py measures both). A map of both is drawn the vector way:
    its rasters then lie up to one source pixel south-east (docs/maps.md)."""
    cell_x = (extent[2] - extent[0]) / width if width > 1 else 0.0
    cell_y = (extent[3] - extent[1]) / height if height > 1 else 0.0
    if vectors:
        return extent[0], extent[1] + cell_y, extent[2] - cell_x, extent[3]
    return extent[0] + cell_x / 2, extent[1] + cell_y / 2, extent[2] - cell_x / 2, extent[3] - cell_y / 2


def prepare(mapobj: mapscript.mapObj, built: list[mapfile.MapLayer], *, extent, epsg: int, width: int,
            height: int, dpi: float, pixel: PixelSize, scopes: Mapping[int, FeatureScope] | None = None) -> None:
    """Size, CRS, extent, resolution and each vector layer's DATA for one drawing; labels only
    from the zoom the web map shows them at (the pixel at 96 dpi gives the zoom)."""
    mapobj.setSize(width, height)
    if mapobj.getProjection() != f"+init=epsg:{epsg}":
        mapobj.setProjection(f"init=epsg:{epsg}")
        mapobj.units = mapscript.MS_DD if _geographic(epsg) else mapscript.MS_METERS
    mapobj.setExtent(*mapserver_extent(extent, width, height, vectors=any(not b.layer.is_raster for b in built)))
    mapobj.resolution = float(dpi)
    mapobj.defresolution = 96
    prepare_layers(mapobj, built, pixel=pixel, width=width, height=height, dpi=dpi, scopes=scopes)


def prepare_layers(mapobj: mapscript.mapObj, built: list[mapfile.MapLayer], *, pixel: PixelSize, width: int,
                   height: int, dpi: float, fields: bool = False,
                   scopes: Mapping[int, FeatureScope] | None = None) -> None:
    """Each vector layer's DATA (thinned for the pixel size) and labels for one drawing; the
    schema fields are read only for `fields` (a feature query: drawing needs just the label).
    `scopes` (by layer id) narrow the layers seen through a scoped share (layers/scope.py)."""
    scopes = scopes or {}
    zoom = web_zoom(pixel.lon * dpi / 96)
    # The vector tiles' feature budget per 256 × 256 tile, for the drawing's area at 96 dpi.
    budget = round(settings.TILE_MAX_FEATURES * width * height / (256 * 256) * (96 / dpi) ** 2)
    for item in built:
        if item.layer.is_raster:
            continue
        scope = scopes.get(item.layer.pk, EVERYTHING)
        labelled = (bool(mapfile.scoped_label_field(item.layer, scope))
                    and zoom >= mapfile.label_min_zoom(item.layer) - 0.5)
        for name in item.names:
            target = mapobj.getLayerByName(name)
            target.data = mapfile.vector_data(item.layer, mapfile.dimension_of(item.layer, name),
                                              pixel.lon, pixel.lat, budget, fields=fields, scope=scope)
            target.labelitem = "gp_label" if labelled else None


def web_zoom(pixel_deg: float) -> float:
    """The web map zoom (256-pixel tiles) whose pixels span `pixel_deg` degrees of longitude."""
    return math.log2(360 / (256 * pixel_deg))


def map_render(*, layers: Sequence[Layer], bbox: tuple[float, float, float, float], crs: str, width: int,
               height: int, fmt: str = "png", transparent: bool = True, dpi: float = 96,
               language: str = "zh", scopes: Mapping[int, FeatureScope] | None = None) -> bytes:
    """`layers` (bottom to top) drawn over `bbox` (minx, miny, maxx, maxy in `crs`, always
    east/north order) into an image of width × height pixels. `dpi` scales symbols, lines and
    text (96 draws them as the web map does). `language` is accepted for the interface; map
    images carry no translated text. `scopes` (by layer id) narrow the vector layers seen through
    a scoped share (layers/scope.py) to its area and label field."""
    extent = _check(bbox, width, height, fmt, dpi)
    epsg = epsg_of(crs)
    drawn = _square_size(extent, width, height, fmt)
    if drawn != (width, height):  # non-square pixels: drawn square over the box, then stretched
        body = map_render(layers=layers, bbox=extent, crs=crs, width=drawn[0], height=drawn[1], fmt="png",
                          transparent=transparent, dpi=dpi, language=language, scopes=scopes)
        return _stretch(body, width, height, fmt, transparent)
    pixel = pixel_size(extent, epsg, width, height)
    mapobj, built = built_map(layers, epsg)
    prepare(mapobj, built, extent=extent, epsg=epsg, width=width, height=height, dpi=dpi, pixel=pixel,
            scopes=scopes)
    for index in range(mapobj.numlayers):
        mapobj.getLayer(index).status = mapscript.MS_ON
    mapobj.selectOutputFormat("png" if fmt == "webp" else fmt)
    see_through = transparent and fmt in ("png", "webp")
    mapobj.outputformat.transparent = mapscript.MS_ON if see_through else mapscript.MS_OFF
    try:
        image = mapobj.draw()
    except mapscript.MapServerError as error:
        raise MapRequestError(f"The map could not be drawn: {error}") from error
    body = bytes(image.getBytes())
    return _webp(body) if fmt == "webp" else body


def _square_size(extent, width: int, height: int, fmt: str) -> tuple[int, int]:
    """The image size whose pixels are square over `extent` at the finer of the two pixel sizes
    asked for; (width, height) themselves when those pixels are square (to 0.5 %) or the output
    is vector (pdf, svg: prints are always drawn square)."""
    cell_x, cell_y = (extent[2] - extent[0]) / width, (extent[3] - extent[1]) / height
    if fmt in ("pdf", "svg") or math.isclose(cell_x, cell_y, rel_tol=0.005):
        return width, height
    cell = min(cell_x, cell_y)
    scale = min(1.0, mapfile.MAX_SIZE / max((extent[2] - extent[0]) / cell, (extent[3] - extent[1]) / cell))
    return (max(1, round((extent[2] - extent[0]) / cell * scale)),
            max(1, round((extent[3] - extent[1]) / cell * scale)))


def _stretch(png: bytes, width: int, height: int, fmt: str, transparent: bool) -> bytes:
    """A square-pixel PNG resampled to width × height (alpha premultiplied, so that transparent
    pixels lend no colour to their neighbours), written as `fmt`."""
    with Image.open(io.BytesIO(png)) as picture:
        stretched = picture.convert("RGBa").resize((width, height), Image.Resampling.BILINEAR).convert("RGBA")
    if fmt == "jpeg" or not transparent:
        flat = Image.new("RGB", stretched.size, (255, 255, 255))
        flat.paste(stretched, mask=stretched.getchannel("A"))
        stretched = flat if fmt == "jpeg" else flat.convert("RGBA")
    return _encode(stretched, fmt)


def _encode(picture: Image.Image, fmt: str) -> bytes:
    """A Pillow image written as png, jpeg or webp (the qualities MapServer's own formats use)."""
    out = io.BytesIO()
    if fmt == "webp":
        picture.save(out, "WEBP", quality=85, method=2)
    elif fmt == "jpeg":
        picture.save(out, "JPEG", quality=85)
    else:
        picture.save(out, "PNG", compress_level=2)
    return out.getvalue()


def _webp(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as picture:
        return _encode(picture, "webp")


def _legend_map() -> mapscript.mapObj:
    found = getattr(_local, "legend", None)
    if found is None:
        found = _local.legend = mapscript.fromstring(mapfile.map_text([]))
        found.selectOutputFormat("png")
        found.outputformat.transparent = mapscript.MS_ON
    return found


def _icon(block: str, layer_type: int, width: int, height: int, dpi: float) -> bytes:
    """A legend swatch of one CLASS block drawn on a layer of `layer_type`."""
    legend = _legend_map()
    legend.resolution = float(dpi)
    target = mapscript.layerObj(legend)
    try:
        target.type = layer_type
        target.status = mapscript.MS_ON
        klass = mapscript.classObj(target)
        klass.updateFromString(block)
        image = klass.createLegendIcon(legend, target, width, height)
        return bytes(image.getBytes())
    finally:
        legend.removeLayer(target.index)


def _vector_icon(layer: Layer, width: int, height: int, dpi: float) -> bytes:
    style = styles.vector_style(layer.style)
    dimension = "polygon" if layer.geometry_type == Layer.GeometryType.MIXED else layer.geometry_type
    types = {"point": mapscript.MS_LAYER_POINT, "line": mapscript.MS_LAYER_LINE,
             "polygon": mapscript.MS_LAYER_POLYGON}
    return _icon(styles.vector_class_block(style, dimension, labelled=False), types[dimension], width, height, dpi)


def _swatch(color: tuple[int, int, int], width: int, height: int, dpi: float) -> bytes:
    r, g, b = color
    block = f"CLASS STYLE COLOR {r} {g} {b} END STYLE OUTLINECOLOR 120 120 120 WIDTH 0.5 END END"
    return _icon(block, mapscript.MS_LAYER_POLYGON, width, height, dpi)


def legend_icon(*, layer: Layer, width: int, height: int, dpi: float = 96) -> bytes:
    """A PNG swatch of the layer as the map draws it (an elevation layer: its ramp's middle
    colour; imagery and scanned maps: a neutral tile)."""
    _check((0, 0, 1, 1), width, height, "png", dpi)
    if not layer.is_raster:
        return _vector_icon(layer, width, height, dpi)
    raster = layer.raster
    if raster.kind == raster.Kind.ELEVATION:
        ramp = styles.raster_style(layer.style, raster.value_range).ramp
        return _swatch(ramp[len(ramp) // 2][1], width, height, dpi)
    return _swatch((200, 200, 200), width, height, dpi)


def _format_value(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def legend_entries(*, layer: Layer, language: str) -> list[dict]:
    """Legend rows of a layer: [{"label", "png"}]; one per ramp stop for elevation, else one
    row titled with the layer's title in `language` ("zh" or "en")."""
    title = layer.title_en if language.startswith("en") and layer.title_en else layer.title_zh
    if layer.is_raster and layer.raster.kind == layer.raster.Kind.ELEVATION:
        ramp = styles.raster_style(layer.style, layer.raster.value_range).ramp
        unit = " m"
        return [{"label": f"{title} {_format_value(value)}{unit}", "png": _swatch(color, 16, 12, 96)}
                for value, color in ramp]
    return [{"label": title, "png": legend_icon(layer=layer, width=18, height=18)}]


def close_map_connections() -> None:
    """Forget this thread's built maps and close MapServer's deferred PostGIS connections (the
    test suite calls it before dropping its database; a server process keeps them)."""
    _local.maps = OrderedDict()
    mapscript.msConnPoolCloseUnreferenced()
