"""`manage.py bench --only wmts`: Tianditu `c` tiles served by WMTS against the renderer alone.

The tiles of layers/tiles/bench.py (seeded, zooms 10-18 around the benchmark layer's centre)
become the `c` tiles holding their centres at the same level. Measured:

- render:  map_render in this process over the tile's lon/lat bounds, as the server calls it
           (the floor: what drawing the tile costs);
- served:  GET /wmts/1.0.0/{layer}/default/c/{level}/{row}/{col}.png through gunicorn as in
           production, tile cache off; render and served take turns per tile (c=1);
- cached:  the same GETs against a gunicorn whose tile cache holds every tile, at c=1 and c=8.

Speed is reported, never asserted."""
from __future__ import annotations

import os

import redis
from django.conf import settings

from layers.bench_server import BenchServer
from layers.maps.render import map_render
from layers.models import Layer
from layers.tiles.bench import _http_work, _p, _run, _run_turns, tile_list
from layers.tiles.cache import TileCache
from layers.tiles.grid import center_latitude
from layers.tiles.matrixsets import TIANDITU_C, matrix_set, tile_bounds, tiles_covering
from layers.wmts.tiles import TILE_PIXELS


def c_tiles(count: int) -> list[tuple[int, int, int]]:
    """(level, row, col) of the `c` tiles holding the centres of the XYZ benchmark tiles."""
    grid = matrix_set(TIANDITU_C)
    out = []
    for tile in tile_list(count):
        west = tile.x / (1 << tile.z) * 360.0 - 180.0
        east = (tile.x + 1) / (1 << tile.z) * 360.0 - 180.0
        lon, lat = (west + east) / 2, center_latitude(tile)
        col, row, _, _ = tiles_covering(grid, (lon, lat, lon, lat), tile.z)
        out.append((tile.z, row, col))
    return out


def run(*, layer: Layer, stdout, options) -> None:
    grid = matrix_set(TIANDITU_C)
    tiles = c_tiles(200)
    paths = [f"/wmts/1.0.0/{layer.slug}/default/c/{z}/{row}/{col}.png" for z, row, col in tiles]
    stdout.write(f"wmts: layer {layer.slug}, {len(tiles)} c tiles (levels {min(t[0] for t in tiles)}-"
                 f"{max(t[0] for t in tiles)}); load average {os.getloadavg()[0]:.1f}")

    def render_work(_resource, job) -> int:
        z, row, col = job[0]
        return len(map_render(layers=[layer], bbox=tile_bounds(grid, z, row, col), crs="EPSG:4490",
                              width=TILE_PIXELS, height=TILE_PIXELS, fmt="png"))

    with BenchServer(TILE_CACHE_URL="", CACHE_KEY_PREFIX="bench-wmts-uncached") as uncached:
        http_work = _http_work(uncached.port)
        _run(paths[:32], http_work, 4)  # workers connected and warm, unmeasured
        jobs = list(zip(tiles, paths, strict=True))
        (latencies, _), _ = _run_turns(jobs, [render_work, lambda r, job: http_work(r, job[1])], 1)
    render_p50, served_p50 = _p(latencies[0], 0.5), _p(latencies[1], 0.5)
    stdout.write(f"c tiles uncached, c=1: render p50 {render_p50:.1f} ms, served p50 {served_p50:.1f} ms, "
                 f"served / render {served_p50 / render_p50:.2f}x")

    prefix = f"{settings.CACHE_KEY_PREFIX}-bench-wmts"
    cache_url = settings.TILE_CACHE_URL or settings.REDIS_URL
    bench_cache = TileCache(redis.Redis.from_url(cache_url), prefix=prefix, max_bytes=settings.TILE_CACHE_MAX_BYTES)
    bench_cache.clear()
    try:
        with BenchServer(TILE_CACHE_URL=cache_url, CACHE_KEY_PREFIX=prefix) as cached:
            work = _http_work(cached.port)
            _run(paths, work, 8)  # fill the cache
            for concurrency in (1, 8):
                latencies_, wall, _ = _run(paths, work, concurrency)
                stdout.write(f"c tiles cached, c={concurrency}: {len(paths) / wall:.0f} req/s, "
                             f"p50 {_p(latencies_, 0.5):.2f} ms")
    finally:
        bench_cache.clear()
