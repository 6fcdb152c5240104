"""`manage.py bench --only rasters`: image tiles of a realistic raster layer against the renderer alone.

The layer: the demo elevation model (fixtures/demo_raster.py) resampled by GDAL to 8,000 × 5,120
Float32 pixels (about 6 m), uploaded once through the import service (COG, hillshade, default
ramp) as the public layer `bench-elevation` and kept for later runs; nothing is committed.
A seeded list of XYZ tiles over it (zooms 10-16) is measured:

- render:  map_render in this process over the tile's EPSG:3857 bounds, 256 × 256 PNG, exactly as
           the server calls it (layers/tiles/images.py) — the floor;
- served:  GET /tiles/bench-elevation/{z}/{x}/{y}.png through gunicorn as in production, tile
           cache off; render and served take turns per tile (c=1), so both meet the same load;
- cached:  the same GETs against a gunicorn whose tile cache holds every tile (answered by the
           WSGI fast path), at c=1 and c=8.

Speed is reported, never asserted; targets: served/render p50 ≤ 1.2×, cached ≥ 1,500 req/s at c=8.
"""
from __future__ import annotations

import math
import os
import random
import tempfile
import time
from pathlib import Path

import redis
from django.conf import settings
from django.core.files import File
from django.db import transaction
from osgeo import gdal

from fixtures.demo_raster import write_demo_elevation
from geoportal.accounts.models import User
from layers.bench_server import BenchServer
from layers.io.importer import run_import
from layers.io.models import ImportJob
from layers.io.services import ImportRequest, import_job_create
from layers.models import Layer
from layers.tiles.bench import _http_work, _p, _run, _run_turns
from layers.tiles.cache import TileCache
from layers.tiles.grid import Tile, tile_at
from layers.tiles.images import image_tile_render

SLUG = "bench-elevation"
SIZE = (8000, 5120)
SEED = 20261
TILE_COUNT = 200
ZOOM_WEIGHTS = {10: 1, 11: 2, 12: 3, 13: 5, 14: 6, 15: 6, 16: 4}
CACHED_TARGET = 1500


def _manager(department) -> User:
    manager = User.objects.filter(department=department, role=User.Role.MANAGER, is_active=True).first()
    if manager is None:
        manager = User.objects.create_user(username="bench_raster_manager", department=department,
                                           role=User.Role.MANAGER)
        manager.set_unusable_password()
        manager.save(update_fields=["password"])
    return manager


def bench_layer(*, department, stdout) -> Layer:
    """The 8,000-pixel elevation layer, made (about a minute) when missing or of another size."""
    layer = Layer.objects.filter(slug=SLUG).select_related("raster").first()
    source = getattr(layer, "raster", None) if layer is not None else None
    if source is not None and (source.width, source.height) == SIZE:
        return layer
    stdout.write(f"  making {SLUG}: {SIZE[0]:,} × {SIZE[1]:,} Float32 elevation, uploaded as a GeoTIFF …")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        small = write_demo_elevation(Path(folder) / "small.tif")
        path = Path(folder) / "bench-elevation.tif"
        gdal.Translate(str(path), str(small), width=SIZE[0], height=SIZE[1], resampleAlg="cubicspline",
                       creationOptions=["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3", "BIGTIFF=IF_SAFER"])
        request = (ImportRequest(mode="replace", layer_slug=SLUG) if layer is not None
                   else ImportRequest(mode="new", title="基准测试高程"))
        with open(path, "rb") as handle, transaction.atomic():
            job = import_job_create(user=_manager(department), uploaded=File(handle, name=path.name), request=request)
            run_import(str(job.pk))  # here, before the commit queues it (it then finds it done)
    job.refresh_from_db()
    if job.state != ImportJob.State.SUCCEEDED:
        raise RuntimeError(f"{SLUG} could not be imported: {job.error}")
    Layer.objects.filter(pk=job.layer_id).update(slug=SLUG, visibility=Layer.Visibility.PUBLIC)
    stdout.write(f"  made in {time.perf_counter() - started:.0f} s")
    return Layer.objects.select_related("raster").get(pk=job.layer_id)


def tile_list(layer: Layer, count: int = TILE_COUNT) -> list[Tile]:
    """Seeded tiles over the raster's lon/lat bounds (uniform positions, zooms weighted to 13-15)."""
    west, south, east, north = layer.raster.extent.extent
    rng = random.Random(SEED)
    zooms = rng.choices(list(ZOOM_WEIGHTS), weights=list(ZOOM_WEIGHTS.values()), k=count)
    return [tile_at(rng.uniform(west, east), rng.uniform(south, north), zoom) for zoom in zooms]


def run(*, layer: Layer, stdout, options) -> None:
    raster = bench_layer(department=layer.department, stdout=stdout)
    tiles = tile_list(raster)
    paths = [f"/tiles/{raster.slug}/{t}.png" for t in tiles]
    source = raster.raster
    native_zoom = math.log2(2 * math.pi * 6378137 / 256 / (source.resolution * 111320 * 0.70))
    stdout.write(f"rasters: {raster.slug} {source.width:,} × {source.height:,} {source.data_type} "
                 f"({source.compression}, {source.overview_count} overviews, {source.size_bytes / 2**20:.0f} MB, "
                 f"native zoom ≈ {native_zoom:.1f}); {len(tiles)} tiles, zooms {min(t.z for t in tiles)}-"
                 f"{max(t.z for t in tiles)}; load average {os.getloadavg()[0]:.1f}")

    def render_work(_resource, job) -> int:
        return len(image_tile_render(layer=raster, tile=job[0], fmt="png"))

    for tile in tiles[:16]:
        image_tile_render(layer=raster, tile=tile, fmt="png")  # the renderer's map and GDAL's cache warm
    with BenchServer(TILE_CACHE_URL="", CACHE_KEY_PREFIX="bench-rasters-uncached") as uncached:
        http_work = _http_work(uncached.port)
        _run(paths[:32], http_work, 4)  # every worker connected and warm, unmeasured
        jobs = list(zip(tiles, paths, strict=True))
        (latencies, sizes), _ = _run_turns(jobs, [render_work, lambda r, job: http_work(r, job[1])], 1)
    render_p50, served_p50 = _p(latencies[0], 0.5), _p(latencies[1], 0.5)
    stdout.write(f"uncached png tiles, c=1 (ms): render p50 {render_p50:.1f} p95 {_p(latencies[0], 0.95):.1f}; "
                 f"served p50 {served_p50:.1f} p95 {_p(latencies[1], 0.95):.1f}; mean tile "
                 f"{sum(sizes[1]) / len(sizes[1]) / 1024:.1f} KB")
    stdout.write(f"p50 served / render: {served_p50 / render_p50:.2f}x (target 1.2x)")

    prefix = f"{settings.CACHE_KEY_PREFIX}-bench-rasters"
    cache_url = settings.TILE_CACHE_URL or settings.REDIS_URL
    bench_cache = TileCache(redis.Redis.from_url(cache_url), prefix=prefix, max_bytes=settings.TILE_CACHE_MAX_BYTES)
    bench_cache.clear()
    try:
        with BenchServer(TILE_CACHE_URL=cache_url, CACHE_KEY_PREFIX=prefix) as cached:
            _run(paths, _http_work(cached.port), 8)  # fill the cache
            for concurrency in (1, 8):
                cached_latencies, wall, _ = _run(paths * 4, _http_work(cached.port), concurrency)
                stdout.write(f"cached png tiles, c={concurrency}: {len(cached_latencies) / wall:,.0f} req/s, "
                             f"p50 {_p(cached_latencies, 0.5):.2f} ms"
                             + (f" (target ≥ {CACHED_TARGET:,} at c=8)" if concurrency == 8 else ""))
    finally:
        bench_cache.clear()
