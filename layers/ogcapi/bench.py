"""`make bench` section "items": one OGC API items page of 1,000 features from the benchmark layer.

Three timings of the same page (deep in the layer, reached by its keyset cursor):
- raw: the items SQL statement alone, run through the database driver;
- served: the page fetched over HTTP from gunicorn configured as in production
  (geoportal/gunicorn.conf.py, DEBUG off);
- drf-gis: the plain djangorestframework-gis serialiser path (ORM rows -> GeoFeatureModelSerializer
  -> JSON), in process, without any HTTP cost.
Targets: served within 1.3x of raw; served at least 4x faster than drf-gis. Set BENCH_PORT to
choose the server's port (default: a free one).
"""
from __future__ import annotations

import http.client
import os
import statistics
import time

from django.db import connection
from rest_framework.renderers import JSONRenderer

from geoportal.db.rawtext import read_text_as_bytes
from layers.api.serializers import FeatureSerializer
from layers.bench_server import BenchServer
from layers.models import Feature
from layers.ogcapi import query
from layers.schema import parse_schema

PAGE = 1_000
RUNS = 30
DRF_RUNS = 7


def _p50s(*fns, runs: int) -> list[float]:
    """Medians in ms; the functions take turns, so a busy machine slows them alike."""
    for fn in fns:
        fn()  # warm up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, bucket in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            bucket.append((time.perf_counter() - started) * 1000)
    return [statistics.median(bucket) for bucket in times]


def run(*, layer, stdout, options) -> None:
    fields = [f.name for f in parse_schema(layer.schema)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM layers_feature WHERE layer_id = %s ORDER BY id OFFSET %s LIMIT 1",
                       [layer.pk, layer.feature_count // 2])
        after = cursor.fetchone()[0]
    stmt = query.items_sql(query.ItemsQuery(layer_id=layer.pk, fields=fields, limit=PAGE, after=after))
    one = query.items_sql(query.ItemsQuery(layer_id=layer.pk, fields=fields, limit=1, after=after))

    def run_sql(statement):
        with connection.cursor() as cursor:
            read_text_as_bytes(cursor)  # as the server reads the page
            cursor.execute(statement.sql, statement.params)
            cursor.fetchall()

    def raw():
        run_sql(stmt)

    def raw_one():
        run_sql(one)

    def drf_gis():
        rows = Feature.objects.filter(layer=layer, pk__gt=after).select_related("layer").order_by("pk")[:PAGE]
        JSONRenderer().render(FeatureSerializer(rows, many=True).data)

    with BenchServer() as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

        def fetch(limit: int) -> bytes:
            path = f"/ogc/collections/{layer.slug}/items?limit={limit}&after={after}&f=json"
            conn.request("GET", path, headers={"Accept": "application/geo+json"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"unexpected page: HTTP {response.status}, {body[:200]!r}")
            return body

        def served():
            fetch(PAGE)

        def served_one():
            fetch(1)

        raw_ms, served_ms, raw_one_ms, served_one_ms = _p50s(raw, served, raw_one, served_one, runs=RUNS)
        features = fetch(PAGE).count(b'"type" : "Feature"')
        if features != PAGE:
            raise RuntimeError(f"the served page holds {features} features, not {PAGE}")
    (drf_ms,) = _p50s(drf_gis, runs=DRF_RUNS)
    stdout.write(f"items page of {PAGE} features after id {after} ({layer.feature_count:,} in layer), p50:")
    stdout.write(f"  raw SQL statement          {raw_ms:8.1f} ms")
    stdout.write(f"  served (HTTP, gunicorn)    {served_ms:8.1f} ms   {served_ms / raw_ms:.2f}x raw (target <= 1.3x)")
    stdout.write(f"  drf-gis serializer path    {drf_ms:8.1f} ms   served is {drf_ms / served_ms:.1f}x faster "
                 "(target >= 4x)")
    stdout.write(f"  per-request fixed cost (1-feature page): served {served_one_ms:.1f} ms, raw {raw_one_ms:.1f} ms; "
                 f"per-feature cost: served {(served_ms - served_one_ms) / (PAGE - 1) * 1000:.1f} us, "
                 f"raw {(raw_ms - raw_one_ms) / (PAGE - 1) * 1000:.1f} us")
    stdout.write(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
