"""`manage.py bench --only tiles`: the tile server against the SQL it runs, on the same tiles.

A fixed, seeded list of tiles (zooms 10-18, weighted to 13-16, placed where the benchmark
layer's buildings are, i.e. denser toward the centre) is measured at concurrency 1 and 8:

- raw:        the exact statement the server runs for an MVT (and a GeoJSON) tile, over psycopg
              with the server's session options;
- plain:      the unthinned ST_AsMVT statement other tile servers run (every feature);
- served:     GET through gunicorn configured as in production (geoportal/gunicorn.conf.py,
              DEBUG off) with the tile cache off;
- cached:     the same GETs against such a gunicorn whose tile cache holds every tile (answered by
              the fast path in front of Django, layers/tiles/fastpath.py).

Latency (p50/p95, and the ratios served/raw): raw and served requests of the same tile take
turns, in alternating order, so both meet the same database buffers and the same machine load
(a busy neighbour or a cold cache slows them alike); the database's buffers and every server
worker are warmed first, unmeasured, so that start-up costs stay out of the figures.
Throughput (requests/s): each of served, plain and cached runs alone over the whole list. It
prints the per-zoom p50 and the largest tile too. Speed is reported, never asserted.
"""
from __future__ import annotations

import http.client
import math
import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import redis
from django.conf import settings

from geoportal.db.rawtext import Utf8BytesLoader
from layers.bench_server import BenchServer
from layers.models import Layer
from layers.tiles.cache import TileCache
from layers.tiles.grid import Tile, tile_at
from layers.tiles.queries import Statement, geojson_statement, mvt_statement, plain_mvt_statement

SEED = 20260
TILE_COUNT = 300
ZOOM_WEIGHTS = {10: 1, 11: 2, 12: 3, 13: 6, 14: 7, 15: 7, 16: 6, 17: 3, 18: 2}
CENTER = (126.63, 45.75)  # the benchmark layer's centre (fixtures/benchmark.py)
SIZE_LIMIT = 500 * 1024
WARM_UP_TILES = 64


def tile_list(count: int = TILE_COUNT) -> list[Tile]:
    """Seeded tiles around the centre, spread like the buildings (exponential distance)."""
    rng = random.Random(SEED)
    zooms = rng.choices(list(ZOOM_WEIGHTS), weights=list(ZOOM_WEIGHTS.values()), k=count)
    tiles = []
    for zoom in zooms:
        r = rng.expovariate(1 / 0.045)
        theta = rng.uniform(0, 2 * math.pi)
        tiles.append(tile_at(CENTER[0] + r * math.cos(theta) * 1.4, CENTER[1] + r * math.sin(theta), zoom))
    return tiles


def _dsn() -> str:
    """Connection settings of the default database, with the server's session options (e.g. JIT
    off); cursors bind parameters client-side, as Django does."""
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None, port=str(db.get("PORT") or "") or None,
        options=db.get("OPTIONS", {}).get("options") or None,
    )


def _run(jobs: list, work, concurrency: int, setup=None) -> tuple[list[float], float, list[int]]:
    """Run `work(resource, job)` over jobs; return latencies (s), wall time (s) and body sizes."""
    (latencies, sizes), wall = _run_turns(jobs, [work], concurrency, setup)
    return latencies[0], wall, sizes[0]


def _run_turns(jobs: list, works: list, concurrency: int, setup=None):
    """Each job through every `work(resource, job)` in turn, the order rotating from job to job;
    return per work the latencies (s) and body sizes, and the wall time (s)."""
    latencies = [[0.0] * len(jobs) for _ in works]
    sizes = [[0] * len(jobs) for _ in works]

    def worker(offset: int):
        resource = setup() if setup else None
        try:
            for index in range(offset, len(jobs), concurrency):
                for turn in range(len(works)):
                    which = (index + turn) % len(works)
                    start = time.perf_counter()
                    sizes[which][index] = works[which](resource, jobs[index])
                    latencies[which][index] = time.perf_counter() - start
        finally:
            if resource is not None:
                resource.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return (latencies, sizes), time.perf_counter() - start


def _sql_work(connection: psycopg.Connection, statement: Statement) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        row = cursor.fetchone()
    return len(row[0]) if row and row[0] is not None else 0


def _http_work(port: int):
    def work(_resource, path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status not in (200, 204):
                raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
            return len(body)
        finally:
            conn.close()

    return work


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(*, layer: Layer, stdout, options) -> None:
    tiles = tile_list()
    counts = {z: sum(1 for t in tiles if t.z == z) for z in sorted(ZOOM_WEIGHTS)}
    stdout.write(f"layer {layer.slug}: {layer.feature_count:,} features; {len(tiles)} tiles, per zoom {counts}; "
                 f"gunicorn as in production (geoportal/gunicorn.conf.py), DEBUG off; "
                 f"load average {os.getloadavg()[0]:.1f}")
    statements = {
        "raw mvt": [mvt_statement(layer=layer, tile=t) for t in tiles],
        "raw geojson": [geojson_statement(layer=layer, tile=t) for t in tiles],
        "plain mvt": [plain_mvt_statement(layer=layer, tile=t) for t in tiles],
    }
    paths = {fmt: [f"/tiles/{layer.slug}/{t}.{fmt}" for t in tiles] for fmt in ("mvt", "geojson")}
    dsn = _dsn()
    results: dict[tuple[str, int], tuple[list[float], float, list[int]]] = {}

    def connect() -> psycopg.Connection:
        conn = psycopg.connect(dsn, cursor_factory=psycopg.ClientCursor)
        conn.adapters.register_loader("text", Utf8BytesLoader)  # read as the server reads
        return conn

    _run(statements["raw mvt"], _sql_work, 1, connect)  # warm the database's buffers once, unmeasured
    with BenchServer(TILE_CACHE_URL="", CACHE_KEY_PREFIX="bench-uncached") as uncached:
        # Every worker connected and warm, unmeasured: an idle worker is woken only when the
        # busier ones are taken, so a c=1 pass leaves most of them cold for the c=8 pass.
        _run(paths["mvt"][:WARM_UP_TILES], _http_work(uncached.port), 8)
        for fmt in ("mvt", "geojson"):
            jobs = list(zip(statements[f"raw {fmt}"], paths[fmt], strict=True))
            raw_work, http_work = _sql_work, _http_work(uncached.port)
            works = [lambda conn, job, w=raw_work: w(conn, job[0]), lambda conn, job, w=http_work: w(None, job[1])]
            for concurrency in (1, 8):
                (latencies, sizes), _ = _run_turns(jobs, works, concurrency, connect)
                results[(f"raw {fmt}", concurrency)] = (latencies[0], None, sizes[0])
                results[(f"served {fmt}", concurrency)] = (latencies[1], None, sizes[1])
        for concurrency in (1, 8):
            results[("plain mvt", concurrency)] = _run(statements["plain mvt"], _sql_work, concurrency, connect)
            results[("served mvt alone", concurrency)] = _run(paths["mvt"], _http_work(uncached.port), concurrency)

    prefix = f"{settings.CACHE_KEY_PREFIX}-bench"
    cache_url = settings.TILE_CACHE_URL or settings.REDIS_URL
    bench_cache = TileCache(redis.Redis.from_url(cache_url), prefix=prefix, max_bytes=settings.TILE_CACHE_MAX_BYTES)
    bench_cache.clear()
    try:
        with BenchServer(TILE_CACHE_URL=cache_url, CACHE_KEY_PREFIX=prefix) as cached:
            _run(paths["mvt"], _http_work(cached.port), 8)  # fill the cache
            for concurrency in (1, 8):
                results[("cached mvt", concurrency)] = _run(paths["mvt"], _http_work(cached.port), concurrency)
    finally:
        bench_cache.clear()
    _report(stdout, tiles, results)


def _report(stdout, tiles: list[Tile], results) -> None:
    stdout.write("latency, raw and served taking turns per tile (ms):")
    stdout.write(f"{'':18}{'c=1 p50':>10}{'p95':>9}{'c=8 p50':>11}{'p95':>9}")
    for name in ("raw mvt", "served mvt", "raw geojson", "served geojson"):
        cells = [f"{_p(results[(name, c)][0], 0.5):>9.1f}{_p(results[(name, c)][0], 0.95):>9.1f}" for c in (1, 8)]
        stdout.write(f"{name:18}{cells[0]} {cells[1]}")
    for served, raw in (("served mvt", "raw mvt"), ("served geojson", "raw geojson")):
        for concurrency in (1, 8):
            ratio = _p(results[(served, concurrency)][0], 0.5) / _p(results[(raw, concurrency)][0], 0.5)
            stdout.write(f"p50 {served} / {raw} at c={concurrency}: {ratio:.2f}x")

    def rps(name, concurrency):
        latencies, wall, _ = results[(name, concurrency)]
        return len(latencies) / wall

    stdout.write("throughput, each alone over the whole list (requests/s; p50 ms):")
    stdout.write(f"{'':18}{'c=1 req/s':>10}{'p50':>9}{'c=8 req/s':>11}{'p50':>9}")
    for name in ("served mvt alone", "plain mvt", "cached mvt"):
        cells = [f"{rps(name, c):>9.0f}{_p(results[(name, c)][0], 0.5):>9.1f}" for c in (1, 8)]
        stdout.write(f"{name:18}{cells[0]} {cells[1]}")
    stdout.write(f"req/s at c=8, served mvt uncached / plain ST_AsMVT: "
                 f"{rps('served mvt alone', 8) / rps('plain mvt', 8):.2f}x")
    stdout.write(f"req/s at c=8, cached mvt: {rps('cached mvt', 8):.0f}")
    stdout.write("per-zoom p50 (ms, c=1):  zoom  raw mvt  served mvt  plain mvt  served/raw  plain/served")
    for zoom in sorted({t.z for t in tiles}):
        picks = [i for i, t in enumerate(tiles) if t.z == zoom]

        def p50(name, picks=picks):
            return statistics.median(results[(name, 1)][0][i] for i in picks) * 1000

        stdout.write(f"{'':25}{zoom:>4}{p50('raw mvt'):>9.1f}{p50('served mvt'):>12.1f}{p50('plain mvt'):>11.1f}"
                     f"{p50('served mvt') / p50('raw mvt'):>12.2f}{p50('plain mvt') / p50('served mvt'):>14.2f}")
    for name in ("served mvt", "served geojson", "plain mvt"):
        sizes = results[(name, 1)][2]
        largest = max(range(len(sizes)), key=sizes.__getitem__)
        over = sum(1 for s in sizes if s > SIZE_LIMIT)
        stdout.write(f"largest {name} tile: {sizes[largest] / 1024:.0f} KB ({tiles[largest]}); "
                     f"{over} of {len(sizes)} over {SIZE_LIMIT // 1024} KB")
