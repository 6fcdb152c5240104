"""Image tiles (`.png`, `.webp`, `.jpg`) of any layer on the XYZ Web Mercator grid.

Drawn by layers.maps.render.map_render (raster layers from their COG's overviews, vector layers
with their style), 256 pixels over the tile's bounds in EPSG:3857, and cached like vector tiles
(layers/tiles/serving.py). The cache key is the renderer's format name, so an XYZ tile and the same
WMTS WebMercatorQuad tile (layers/wmts) are one entry. JPEG has no alpha: outside the data it is
white.
"""
from __future__ import annotations

import math

from layers.maps.render import map_render
from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.cache import CachedTile
from layers.tiles.grid import Tile
from layers.tiles.serving import tile_get

# URL extension -> the renderer's format (also the cache's key part).
IMAGE_FORMATS = {"png": "png", "webp": "webp", "jpg": "jpeg"}
MEDIA_TYPES = {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg"}
TILE_PIXELS = 256
_HALF = math.pi * 6378137.0


def mercator_bounds(tile: Tile) -> tuple[float, float, float, float]:
    """The tile's (minx, miny, maxx, maxy) in EPSG:3857 metres."""
    size = 2 * _HALF / (1 << tile.z)
    west, north = -_HALF + tile.x * size, _HALF - tile.y * size
    return west, north - size, west + size, north


def image_tile_render(*, layer: Layer, tile: Tile, fmt: str, scope: FeatureScope = EVERYTHING) -> bytes:
    return map_render(layers=[layer], bbox=mercator_bounds(tile), crs="EPSG:3857", width=TILE_PIXELS,
                      height=TILE_PIXELS, fmt=fmt, transparent=fmt != "jpeg", scopes={layer.pk: scope})


def image_tile_get(*, layer: Layer, tile: Tile, fmt: str, scope: FeatureScope = EVERYTHING
                   ) -> tuple[CachedTile, bool]:
    """`fmt` is the renderer's format (png, webp, jpeg); returns the tile and whether it was cached.
    A vector layer seen through a scoped share is drawn within it and cached under its key."""
    return tile_get(layer=layer, tile=tile, fmt=fmt, scope=scope,
                    render=lambda: image_tile_render(layer=layer, tile=tile, fmt=fmt, scope=scope))
