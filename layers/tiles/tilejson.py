"""TileJSON 3.0.0 documents describing a layer's tiles (https://github.com/mapbox/tilejson-spec).

`tiles` lists only the MVT template: TileJSON requires every entry of `tiles` to return the same
content, so the GeoJSON template is published separately under `geojson_tiles`."""
from __future__ import annotations

from django.conf import settings

from layers.models import Layer
from layers.schema import parse_schema
from layers.tiles.grid import GRID_MAX_ZOOM, MERCATOR_MAX_LAT

TILEJSON_VERSION = "3.0.0"
_FIELD_TYPES = {"integer": "Number", "decimal": "Number", "boolean": "Boolean"}


def zoom_range(layer: Layer) -> tuple[int, int]:
    """The zooms a layer's tiles are served at: its own range, cut to the grid."""
    return min(layer.min_zoom, GRID_MAX_ZOOM), min(layer.max_zoom, GRID_MAX_ZOOM)


def layer_tilejson(*, layer: Layer, base_url: str, language: str = "zh") -> dict:
    """`base_url` is the absolute URL of the layer's tiles, ending in a slash."""
    minzoom, maxzoom = zoom_range(layer)
    if layer.extent is not None:
        west, south, east, north = layer.extent.extent
    else:
        west, south, east, north = -180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT
    title = layer.title_en if language.startswith("en") and layer.title_en else layer.title_zh
    description = layer.description_en if language.startswith("en") and layer.description_en else layer.description_zh
    center_zoom = max(minzoom, min(maxzoom, settings.MAP_ZOOM))
    fields = {f.name: _FIELD_TYPES.get(f.type, "String") for f in parse_schema(layer.schema)}
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
