"""The rendered-tile cache in Redis, bounded in size and invalidated precisely.

Keys (all under `<CACHE_KEY_PREFIX>:tiles:`):

- `t:<layer>:<z>:<x>:<y>:<fmt>:<stamp>` the entry: a 16-character ETag, then the body;
- `i:<layer>:<z>` the set of cached `<x>:<y>:<fmt>:<stamp>` of that layer and zoom (the index
  that invalidation filters by tile range);
- `order` (sorted set, insertion time) and `bytes` (counter) for the size bound: when the stored
  bodies exceed TILE_CACHE_MAX_BYTES the oldest entries are dropped first;
- `e:<layer>` the layer's invalidation epoch. A tile rendered from a snapshot read before an edit
  committed must not be stored after that edit's invalidation ran; storing is refused when the
  epoch moved since the lookup (checked atomically in the store script).

- `p:<slug>` the publication of a public layer for the fast path (layers/tiles/fastpath.py):
  `<layer>:<stamp>`, or `-<layer>:<stamp>` when tiles of that slug must not be answered there;
  `q:<layer>` the slug last published for the layer. Both expire after PUBLICATION_TTL seconds,
  so a publication that could not be withdrawn (Redis unreachable at that moment) lapses as
  quickly as the public tiles already held by browsers and proxies (TILE_HTTP_MAX_AGE).

Tiles of another grid than the XYZ one (WMTS's `c`, layers/wmts) carry the grid in their format,
`<fmt>@<grid>`, and are invalidated by that grid's tile numbers.

`stamp` is the layer's updated_at, so a change of schema, zoom range or name starts fresh keys.
On `features_changed` the tiles of every zoom whose buffered envelope meets a changed box are
deleted, and only those; `bboxes=None` drops the layer's whole cache.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.db import transaction

from layers.models import Layer
from layers.tiles.grid import GRID_MAX_ZOOM, Tile, tile_range
from layers.tiles.matrixsets import matrix_set, tiles_covering

ETAG_LENGTH = 16
# Rendered tiles of other grids are drawn with symbols and labels that reach across their edges:
# a change in a neighbouring tile drops a tile too.
GRID_TILE_MARGIN = 1
logger = logging.getLogger(__name__)

# KEYS: tile, index, order, bytes, epoch. ARGV: expected epoch, body, index member, order member,
# now, max bytes, key prefix. Returns 1 when stored.
_STORE = """
local epoch = redis.call('GET', KEYS[5]) or '0'
if epoch ~= ARGV[1] then return 0 end
local previous = redis.call('STRLEN', KEYS[1])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
local total = redis.call('INCRBY', KEYS[4], string.len(ARGV[2]) - previous)
local limit = tonumber(ARGV[6])
while total > limit do
  local oldest = redis.call('ZPOPMIN', KEYS[3])
  if #oldest == 0 then break end
  local member = oldest[1]
  local layer, z, rest = string.match(member, '^([^:]+):([^:]+):(.+)$')
  local key = ARGV[7] .. 't:' .. member
  total = redis.call('DECRBY', KEYS[4], redis.call('STRLEN', key))
  redis.call('DEL', key)
  redis.call('SREM', ARGV[7] .. 'i:' .. layer .. ':' .. z, rest)
end
return 1
"""

# KEYS: p:<slug>, q:<layer>. ARGV: key prefix, slug, layer, stamp, "1" to publish or "0" to withdraw,
# seconds to live. A newer stamp wins; at the same stamp a withdrawal wins. Returns 1 when written.
_PUBLISH = """
local slug, layer, stamp, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[6])
local withdrawn = '-' .. layer .. ':' .. ARGV[4]
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= slug then  -- the layer was renamed: its old slug stops answering
  local old = redis.call('GET', ARGV[1] .. 'p:' .. previous)
  if old and string.match(old, '^%-?(%d+):') == layer then
    redis.call('SET', ARGV[1] .. 'p:' .. previous, withdrawn, 'EX', ttl)
  end
end
local current = redis.call('GET', KEYS[1])
if current then
  local tomb, seen = string.match(current, '^(%-?)%d+:(%d+)$')
  seen = tonumber(seen)
  if seen > stamp or (seen == stamp and tomb == '-') then return 0 end
end
if ARGV[5] == '1' then
  redis.call('SET', KEYS[1], layer .. ':' .. ARGV[4], 'EX', ttl)
else
  redis.call('SET', KEYS[1], withdrawn, 'EX', ttl)
end
redis.call('SET', KEYS[2], slug, 'EX', ttl)
return 1
"""

# KEYS: p:<slug>. ARGV: key prefix, "<z>:<x>:<y>:<fmt>". The entry of a published layer's tile, or nil.
_PUBLIC_LOOKUP = """
local published = redis.call('GET', KEYS[1])
if not published or string.sub(published, 1, 1) == '-' then return false end
local layer, stamp = string.match(published, '^(%d+):(%d+)$')
return redis.call('GET', ARGV[1] .. 't:' .. layer .. ':' .. ARGV[2] .. ':' .. stamp)
"""
PUBLICATION_TTL = 60

# KEYS: order, bytes. ARGV: key prefix, then order members to drop.
_DROP = """
local dropped = 0
for i = 2, #ARGV do
  local member = ARGV[i]
  local layer, z, rest = string.match(member, '^([^:]+):([^:]+):(.+)$')
  local key = ARGV[1] .. 't:' .. member
  local length = redis.call('STRLEN', key)
  if length > 0 or redis.call('EXISTS', key) == 1 then dropped = dropped + 1 end
  redis.call('DECRBY', KEYS[2], length)
  redis.call('DEL', key)
  redis.call('SREM', ARGV[1] .. 'i:' .. layer .. ':' .. z, rest)
  redis.call('ZREM', KEYS[1], member)
end
return dropped
"""


@dataclass(frozen=True)
class CachedTile:
    etag: str
    body: bytes


def etag_for(body: bytes) -> str:
    # A validator, not a signature: SHA-1 is the fastest hash here (CPU instructions), ~0.1 ms for 300 KB.
    return hashlib.sha1(body).hexdigest()[:ETAG_LENGTH]


class TileCache:
    """Tiles of every layer in one Redis database, namespaced by `prefix`."""

    def __init__(self, client: redis.Redis, *, prefix: str, max_bytes: int):
        self.client = client
        self.prefix = f"{prefix}:tiles:"
        self.max_bytes = max_bytes
        self._store = client.register_script(_STORE)
        self._drop = client.register_script(_DROP)
        self._publish = client.register_script(_PUBLISH)
        self._public_lookup = client.register_script(_PUBLIC_LOOKUP)

    @staticmethod
    def stamp(layer: Layer) -> str:
        return str(int(layer.updated_at.timestamp() * 1_000_000))

    def _member(self, layer: Layer, tile: Tile, fmt: str) -> str:
        return f"{layer.pk}:{tile.z}:{tile.x}:{tile.y}:{fmt}:{self.stamp(layer)}"

    def lookup(self, *, layer: Layer, tile: Tile, fmt: str) -> tuple[CachedTile | None, bytes]:
        """The cached tile (or None) and the layer's epoch to hand back to `store`."""
        cached, epoch, _ = self.lookup_published(layer=layer, tile=tile, fmt=fmt)
        return cached, epoch

    def lookup_published(self, *, layer: Layer, tile: Tile, fmt: str) -> tuple[CachedTile | None, bytes, bool]:
        """`lookup`, and whether the fast path holds the layer's current publication (same round trip)."""
        value, epoch, published = self.client.mget(
            self.prefix + "t:" + self._member(layer, tile, fmt), f"{self.prefix}e:{layer.pk}",
            f"{self.prefix}p:{layer.slug}",
        )
        current = published == f"{layer.pk}:{self.stamp(layer)}".encode()
        entry = None if value is None else CachedTile(etag=value[:ETAG_LENGTH].decode(), body=value[ETAG_LENGTH:])
        return entry, epoch or b"0", current

    def store(self, *, layer: Layer, tile: Tile, fmt: str, entry: CachedTile, epoch: bytes) -> bool:
        member = self._member(layer, tile, fmt)
        return bool(
            self._store(
                keys=[
                    self.prefix + "t:" + member,
                    f"{self.prefix}i:{layer.pk}:{tile.z}",
                    self.prefix + "order",
                    self.prefix + "bytes",
                    f"{self.prefix}e:{layer.pk}",
                ],
                args=[
                    epoch,
                    entry.etag.encode() + entry.body,
                    member.split(":", 2)[2],
                    member,
                    time.time(),
                    self.max_bytes,
                    self.prefix,
                ],
            )
        )

    def publish(self, *, slug: str, layer_id: int, stamp: str, public: bool) -> bool:
        """Let the fast path answer cached tiles of `slug` (public) or stop it (not public).

        Writers may race (a request that read the layer before an edit publishes after it); the
        layer's stamp orders them, so an older state never replaces a newer one."""
        return bool(self._publish(
            keys=[f"{self.prefix}p:{slug}", f"{self.prefix}q:{layer_id}"],
            args=[self.prefix, slug, layer_id, stamp, "1" if public else "0", PUBLICATION_TTL],
        ))

    def public_lookup(self, *, slug: str, address: str) -> CachedTile | None:
        """The cached tile `<z>:<x>:<y>:<fmt>` of a published layer, in one round trip."""
        value = self._public_lookup(keys=[f"{self.prefix}p:{slug}"], args=[self.prefix, address])
        if value is None:
            return None
        return CachedTile(etag=value[:ETAG_LENGTH].decode(), body=value[ETAG_LENGTH:])

    def invalidate(self, *, layer_id: int, bboxes: list[tuple[float, float, float, float]] | None) -> int:
        """Drop the layer's cached tiles that meet any of `bboxes` (all of them for None)."""
        self.client.incr(f"{self.prefix}e:{layer_id}")
        pipe = self.client.pipeline(transaction=False)
        for z in range(GRID_MAX_ZOOM + 1):
            pipe.smembers(f"{self.prefix}i:{layer_id}:{z}")
        doomed = []
        for z, members in enumerate(pipe.execute()):
            ranges: dict[str, list[tuple[int, int, int, int]]] = {}
            for raw in members:
                member = raw.decode()
                x, y, fmt = member.split(":", 3)[:3]
                grid = fmt.partition("@")[2]
                if bboxes is not None and grid not in ranges:
                    ranges[grid] = [_grid_range(grid, bbox, z) for bbox in bboxes]
                if bboxes is None or any(x0 <= int(x) <= x1 and y0 <= int(y) <= y1
                                         for x0, y0, x1, y1 in ranges[grid]):
                    doomed.append(f"{layer_id}:{z}:{member}")
        if not doomed:
            return 0
        return int(self._drop(keys=[self.prefix + "order", self.prefix + "bytes"], args=[self.prefix, *doomed]))

    def size(self) -> int:
        return int(self.client.get(self.prefix + "bytes") or 0)

    def clear(self) -> None:
        """Forget every tile under this prefix (tests, and after restoring a database)."""
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            self.client.delete(*keys[start:start + 1000])


def _grid_range(grid: str, bbox: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """The tiles of `z` in `grid` ("" for the XYZ grid) that may show something inside `bbox`."""
    if not grid:
        return tile_range(bbox, z)
    matrices = matrix_set(grid)
    if z not in matrices.levels:
        return (0, 0, -1, -1)
    col0, row0, col1, row1 = tiles_covering(matrices, bbox, z)
    columns, rows = matrices.matrix(z).matrixWidth, matrices.matrix(z).matrixHeight
    reach = GRID_TILE_MARGIN
    return max(0, col0 - reach), max(0, row0 - reach), min(columns - 1, col1 + reach), min(rows - 1, row1 + reach)


@cache
def tile_cache() -> TileCache | None:
    """The configured cache, or None when TILE_CACHE_URL is empty."""
    if not settings.TILE_CACHE_URL:
        return None
    client = redis.Redis.from_url(settings.TILE_CACHE_URL, socket_timeout=2, socket_connect_timeout=2)
    return TileCache(client, prefix=settings.CACHE_KEY_PREFIX, max_bytes=settings.TILE_CACHE_MAX_BYTES)


def on_layer_saved(sender, *, instance: Layer, **kwargs) -> None:
    """Publish or withdraw a layer for the fast path once its change has committed."""
    _publish_on_commit(instance, stamp=TileCache.stamp(instance),
                       public=instance.visibility == Layer.Visibility.PUBLIC)


def on_layer_deleted(sender, *, instance: Layer, **kwargs) -> None:
    """Withdraw a deleted layer, stamped now: later than any state it had."""
    _publish_on_commit(instance, stamp=str(int(time.time() * 1_000_000)), public=False)


def _publish_on_commit(layer: Layer, *, stamp: str, public: bool) -> None:
    cache_ = tile_cache()
    if cache_ is None:
        return
    slug, layer_id = layer.slug, layer.pk

    def publish() -> None:
        try:
            cache_.publish(slug=slug, layer_id=layer_id, stamp=stamp, public=public)
        except redis.RedisError:
            logger.error("tile cache unreachable: the fast path may answer %s for up to %s s", slug,
                         PUBLICATION_TTL, exc_info=True)

    transaction.on_commit(publish)


def on_features_changed(sender, *, layer_id: int, bboxes=None, **kwargs) -> None:
    """Receiver of layers.signals.features_changed (after the edit committed).

    The write itself succeeded, so a cache that cannot be reached is reported, not raised."""
    cache_ = tile_cache()
    if cache_ is None:
        return
    try:
        cache_.invalidate(layer_id=layer_id, bboxes=bboxes)
    except redis.RedisError:
        logger.error("tile cache unreachable: tiles of layer %s may be stale until they expire", layer_id,
                     exc_info=True)
