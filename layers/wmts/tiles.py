"""A layer's image tile in one of the tile matrix sets, from the tile cache or drawn by the renderer.

WebMercatorQuad and `w` number their tiles as the XYZ grid does (`w` level n = zoom n), so their
tiles are the XYZ image tiles of /tiles/{slug}/{z}/{x}/{y}.png (layers/tiles/images.py), one cache
entry for both. Tiles of `c` (CGCS2000 lon/lat) are drawn by map_render in EPSG:4490 over the
tile's bounds and cached under the format `<fmt>@c`, which layers/tiles/cache.py invalidates by
`c`'s own tile numbers.
"""
from __future__ import annotations

from layers.maps.render import map_render
from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.cache import CachedTile
from layers.tiles.grid import Tile
from layers.tiles.images import MEDIA_TYPES, TILE_PIXELS, image_tile_get
from layers.tiles.matrixsets import TIANDITU_C, MatrixSet, tile_bounds
from layers.tiles.serving import tile_get

__all__ = ["MEDIA_TYPES", "grid_tile_get"]


def grid_tile_get(*, layer: Layer, grid: MatrixSet, level: int, row: int, col: int, fmt: str,
                  scope: FeatureScope = EVERYTHING) -> tuple[CachedTile, bool]:
    """`fmt` is the renderer's format (png, jpeg, webp); returns the tile and whether it was cached.
    `scope`: a vector layer seen through a scoped share is drawn within it (layers/scope.py)."""
    tile = Tile(level, col, row)
    if grid.id != TIANDITU_C:
        return image_tile_get(layer=layer, tile=tile, fmt=fmt, scope=scope)

    def render() -> bytes:
        return map_render(layers=[layer], bbox=tile_bounds(grid, level, row, col), crs=f"EPSG:{grid.epsg}",
                          width=TILE_PIXELS, height=TILE_PIXELS, fmt=fmt, transparent=fmt != "jpeg",
                          scopes={layer.pk: scope})

    return tile_get(layer=layer, tile=tile, fmt=f"{fmt}@{grid.id}", render=render, scope=scope)
