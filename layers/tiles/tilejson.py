"""TileJSON 3.0.0 documents describing a layer's tiles (https://github.com/mapbox/tilejson-spec).

`tiles` lists only the MVT template: TileJSON requires every entry of `tiles` to return the same
content, so the GeoJSON template is published separately under `geojson_tiles`. A raster layer's
document lists its PNG tiles, with `maxzoom` the first zoom at which a tile pixel is as fine as the
COG's own pixel (clients overzoom beyond), and the WebP/JPEG templates beside."""
from __future__ import annotations

import math

from django.conf import settings
from django.contrib.gis.gdal import SpatialReference

from layers.models import Layer
from layers.schema import parse_schema
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.grid import GRID_MAX_ZOOM, MERCATOR_MAX_LAT

TILEJSON_VERSION = "3.0.0"
_FIELD_TYPES = {"integer": "Number", "decimal": "Number", "boolean": "Boolean"}


def zoom_range(layer: Layer) -> tuple[int, int]:
    """The zooms a layer's tiles are served at: its own range, cut to the grid."""
    return min(layer.min_zoom, GRID_MAX_ZOOM), min(layer.max_zoom, GRID_MAX_ZOOM)


# Metres per pixel of a 256-pixel Web Mercator tile at zoom 0 on the equator.
_ZOOM0_METRES = 2 * math.pi * 6378137.0 / 256


def native_zoom(layer: Layer) -> int:
    """The zoom whose pixels first reach the raster's resolution at the centre of its extent."""
    source = layer.raster
    if SpatialReference(source.srs_wkt or source.epsg).geographic:
        # Degrees of longitude shrink with latitude as Mercator's pixels do: compare at the equator.
        ratio = _ZOOM0_METRES / max(source.resolution * math.pi * 6378137.0 / 180, 1e-9)
    else:
        latitude = source.extent.centroid.y
        ratio = _ZOOM0_METRES * math.cos(math.radians(latitude)) / max(source.resolution, 1e-9)
    return max(0, min(GRID_MAX_ZOOM, math.ceil(math.log2(max(ratio, 1)))))


def _describe(layer: Layer, language: str) -> tuple[str, str, list[float]]:
    if layer.extent is not None:
        west, south, east, north = layer.extent.extent
    else:
        west, south, east, north = -180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT
    title = layer.title_en if language.startswith("en") and layer.title_en else layer.title_zh
    description = layer.description_en if language.startswith("en") and layer.description_en else layer.description_zh
    return title, description, [west, south, east, north]


def raster_tilejson(*, layer: Layer, base_url: str, language: str = "zh") -> dict:
    minzoom, maxzoom = zoom_range(layer)
    maxzoom = max(minzoom, min(maxzoom, native_zoom(layer)))
    title, description, bounds = _describe(layer, language)
    west, south, east, north = bounds
    return {
        "tilejson": TILEJSON_VERSION, "name": title, "description": description, "version": "1.0.0",
        "attribution": layer.attribution, "scheme": "xyz", "format": "png",
        "tiles": [base_url + "{z}/{x}/{y}.png"],
        "webp_tiles": [base_url + "{z}/{x}/{y}.webp"], "jpeg_tiles": [base_url + "{z}/{x}/{y}.jpg"],
        "minzoom": minzoom, "maxzoom": maxzoom, "bounds": bounds, "tileSize": 256,
        "center": [(west + east) / 2, (south + north) / 2, max(minzoom, min(maxzoom, settings.MAP_ZOOM))],
    }


def layer_tilejson(*, layer: Layer, base_url: str, language: str = "zh", scope: FeatureScope = EVERYTHING) -> dict:
    """`base_url` is the absolute URL of the layer's tiles, ending in a slash; a scoped viewer's
    document lists the fields the scope shows."""
    if layer.is_raster:
        return raster_tilejson(layer=layer, base_url=base_url, language=language)
    minzoom, maxzoom = zoom_range(layer)
    title, description, (west, south, east, north) = _describe(layer, language)
    center_zoom = max(minzoom, min(maxzoom, settings.MAP_ZOOM))
    fields = {f.name: _FIELD_TYPES.get(f.type, "String") for f in scope.schema(parse_schema(layer.schema))}
    return {
        "tilejson": TILEJSON_VERSION,
        "name": title,
        "description": description,
        "version": "1.0.0",
        "attribution": layer.attribution,
        "scheme": "xyz",
        "tiles": [base_url + "{z}/{x}/{y}.mvt"],
        "geojson_tiles": [base_url + "{z}/{x}/{y}.geojson"],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, center_zoom],
        "vector_layers": [
            {"id": layer.slug, "description": title, "minzoom": minzoom, "maxzoom": maxzoom, "fields": fields}
        ],
    }
