"""Serving a tile: from the cache when it holds the tile, else rendered (by PostGIS, or by the
`render` the caller passes, as image tiles do) and kept."""
from __future__ import annotations

import logging
from collections.abc import Callable

import redis

from geoportal.db.routing import reads_caught_up
from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.cache import CachedTile, TileCache, etag_for, tile_cache
from layers.tiles.grid import Tile
from layers.tiles.queries import tile_render

logger = logging.getLogger(__name__)


def tile_get(*, layer: Layer, tile: Tile, fmt: str, render: Callable[[], bytes] | None = None,
             scope: FeatureScope = EVERYTHING) -> tuple[CachedTile, bool]:
    """The tile and whether it came from the cache; a scoped viewer's (layers/scope.py) is kept
    under its own name, `<fmt>~<scope key>`, and invalidated with the layer's other tiles.

    A cache that cannot be reached degrades to rendering every tile (logged), never to an error."""
    cache = tile_cache()
    shown = fmt
    if not scope.everything:  # before a grid's `@<grid>`, which invalidation reads
        base, at, grid = fmt.partition("@")
        fmt = f"{base}~{scope.key}{at}{grid}"
    epoch, published = None, True
    if cache is not None:
        try:
            cached, epoch, published = cache.lookup_published(layer=layer, tile=tile, fmt=fmt)
        except redis.RedisError:
            logger.warning("tile cache unreachable; rendering %s/%s uncached", layer.slug, tile, exc_info=True)
            cache = None
        else:
            if cached is not None:
                _publish(cache, layer, published)
                return cached, True
    with reads_caught_up():  # a lagging replica must not fill the cache with a tile from before an edit
        body = render() if render is not None else tile_render(layer=layer, tile=tile, fmt=shown, scope=scope)
    entry = CachedTile(etag=etag_for(body), body=body)
    if cache is not None:
        try:
            cache.store(layer=layer, tile=tile, fmt=fmt, entry=entry, epoch=epoch)
        except redis.RedisError:
            logger.warning("tile cache unreachable; %s/%s not kept", layer.slug, tile, exc_info=True)
        else:
            _publish(cache, layer, published)
    return entry, False


def _publish(cache: TileCache, layer: Layer, published: bool) -> None:
    """A public layer's tiles reached Django without its current publication (never made, lapsed,
    or older): publish it for the fast path."""
    if published or layer.visibility != Layer.Visibility.PUBLIC:
        return
    try:
        cache.publish(slug=layer.slug, layer_id=layer.pk, stamp=TileCache.stamp(layer), public=True)
    except redis.RedisError:
        logger.warning("tile cache unreachable; %s not published", layer.slug, exc_info=True)
