"""`manage.py bench --only wms`: WMS GetMap through gunicorn against the renderer alone.

Over the tile benchmark's seeded tile list (layers/tiles/bench.py), each tile's bounds in
EPSG:3857 are asked as a 256 × 256 PNG:

- served:  GET /wms (1.3.0, GetMap) through gunicorn configured as in production (DEBUG off);
- alone:   layers.maps.render.map_render drawing the same map in this process (the floor).

Both take turns tile by tile, in alternating order, so they meet the same database buffers and
machine load; workers and buffers are warmed first, unmeasured. It prints the p50s, their ratio
(target 1.3×) and the p50 of low zooms (10–12) against mid zooms (13–16). Speed is reported,
never asserted.
"""
from __future__ import annotations

import http.client
import os
import statistics
import time
from urllib.parse import urlencode

import morecantile

from layers.bench_server import BenchServer
from layers.maps.render import map_render
from layers.models import Layer
from layers.tiles.bench import tile_list

WARM_UP = 32
LOW, MID = range(10, 13), range(13, 17)


def _bounds(tile) -> tuple[float, float, float, float]:
    b = morecantile.tms.get("WebMercatorQuad").xy_bounds(tile.x, tile.y, tile.z)
    return b.left, b.bottom, b.right, b.top


def _path(layer: Layer, bbox) -> str:
    return "/wms?" + urlencode({"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": layer.slug,
                                "STYLES": "", "CRS": "EPSG:3857", "BBOX": ",".join(repr(v) for v in bbox),
                                "WIDTH": 256, "HEIGHT": 256, "FORMAT": "image/png", "TRANSPARENT": "TRUE"})


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or not body.startswith(b"\x89PNG"):
            raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
        return len(body)
    finally:
        conn.close()


def _p50(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")


def run(*, layer: Layer, stdout, options) -> None:
    tiles = tile_list()
    boxes = [_bounds(tile) for tile in tiles]
    stdout.write(f"layer {layer.slug}: {layer.feature_count:,} features; {len(tiles)} GetMap 256×256 EPSG:3857 "
                 f"over the tile list; gunicorn as in production, DEBUG off; load average {os.getloadavg()[0]:.1f}")

    def alone(bbox) -> int:
        return len(map_render(layers=[layer], bbox=bbox, crs="EPSG:3857", width=256, height=256))

    served_times, alone_times = [], []
    with BenchServer() as server:
        for bbox in boxes[:WARM_UP]:  # workers, buffers and built maps warm, unmeasured
            _get(server.port, _path(layer, bbox))
            alone(bbox)
        for index, bbox in enumerate(boxes):
            works = [("served", lambda b=bbox: _get(server.port, _path(layer, b))), ("alone", lambda b=bbox: alone(b))]
            for name, work in works if index % 2 == 0 else works[::-1]:
                start = time.perf_counter()
                work()
                elapsed = time.perf_counter() - start
                (served_times if name == "served" else alone_times).append((tiles[index].z, elapsed))

    served = [t for _, t in served_times]
    drawn = [t for _, t in alone_times]
    ratio = _p50(served) / _p50(drawn)
    stdout.write(f"p50 served {_p50(served):.1f} ms, renderer alone {_p50(drawn):.1f} ms: ratio {ratio:.2f}× "
                 "(target ≤ 1.3×)")
    for name, times in (("served", served_times), ("alone", alone_times)):
        low = _p50([t for z, t in times if z in LOW])
        mid = _p50([t for z, t in times if z in MID])
        stdout.write(f"{name}: low zooms (10-12) p50 {low:.1f} ms, mid zooms (13-16) p50 {mid:.1f} ms, "
                     f"low/mid {low / mid:.2f}×")
    per_zoom = {z: _p50([t for zz, t in alone_times if zz == z]) for z in sorted({t.z for t in tiles})}
    stdout.write("renderer alone per zoom p50 (ms): " + ", ".join(f"z{z} {v:.1f}" for z, v in per_zoom.items()))
