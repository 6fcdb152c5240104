"""A layer's image tile in one of the tile matrix sets, from the tile cache or drawn by the renderer.

WebMercatorQuad and `w` number their tiles as the XYZ grid does (`w` level n = zoom n), so their
tiles are the XYZ image tiles, cached under the same keys as /tiles/{slug}/{z}/{x}/{y}.png. Tiles
of `c` (CGCS2000 lon/lat) are drawn by map_render in EPSG:4490 and cached under `<fmt>@c`, which
layers/tiles/cache.py invalidates by `c`'s own tile numbers.
"""
from __future__ import annotations

import logging

import redis

from layers.maps.render import map_render
from layers.models import Layer
from layers.tiles.cache import CachedTile, etag_for, tile_cache
from layers.tiles.grid import Tile
from layers.tiles.matrixsets import TIANDITU_C, MatrixSet, tile_bounds

logger = logging.getLogger(__name__)

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
TILE_PIXELS = 256


def grid_tile_get(*, layer: Layer, grid: MatrixSet, level: int, row: int, col: int, fmt: str
                  ) -> tuple[CachedTile, bool]:
    """The tile and whether it came from the cache; a cache out of reach means drawing every tile."""
    tile = Tile(level, col, row)
    key = fmt if grid.id != TIANDITU_C else f"{fmt}@{grid.id}"
    cache = tile_cache()
    epoch = None
    if cache is not None:
        try:
            cached, epoch = cache.lookup(layer=layer, tile=tile, fmt=key)
        except redis.RedisError:
            logger.warning("tile cache unreachable; drawing %s %s/%s uncached", layer.slug, grid.id, tile,
                           exc_info=True)
            cache = None
        else:
            if cached is not None:
                return cached, True
    body = map_render(layers=[layer], bbox=tile_bounds(grid, level, row, col), crs=f"EPSG:{grid.epsg}",
                      width=TILE_PIXELS, height=TILE_PIXELS, fmt=fmt, transparent=fmt != "jpeg")
    entry = CachedTile(etag=etag_for(body), body=body)
    if cache is not None:
        try:
            cache.store(layer=layer, tile=tile, fmt=key, entry=entry, epoch=epoch)
        except redis.RedisError:
            logger.warning("tile cache unreachable; %s %s/%s not kept", layer.slug, grid.id, tile, exc_info=True)
    return entry, False
