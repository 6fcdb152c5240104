"""Benchmark of the history capability (section "history" of `manage.py bench`).

- "as of" reads (layers.history.selectors) against reading the current features of the same
  box (layers.selectors), both built in PostGIS;
- feature_update with its history rows against a raw UPDATE of the same rows.
Writes run inside a transaction that is rolled back, so the benchmark layer stays unchanged."""
from __future__ import annotations

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from layers.history.selectors import feature_collection_asof_geojson
from layers.models import Feature, Layer
from layers.ogcapi import query
from layers.schema import parse_schema
from layers.services import feature_update

BOXES = {
    "centre 0.01 deg": (126.632, 45.752, 126.642, 45.762),
    "centre 0.05 deg": (126.612, 45.732, 126.662, 45.782),
}
WRITES = 200


def _median_ms(fn, repeat: int = 5) -> float:
    fn()  # warm the cache
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _writes(layer: Layer, stdout) -> None:
    ids = list(Feature.objects.filter(layer=layer).order_by("id").values_list("id", flat=True)[:WRITES])
    with transaction.atomic():
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for pk in ids:
                cursor.execute(
                    "UPDATE layers_feature SET properties = properties || '{\"floors\": 3}'::jsonb, "
                    "version = version + 1, updated_at = now() WHERE id = %s", [pk])
        raw = (time.perf_counter() - start) * 1000
        transaction.set_rollback(True)
    with transaction.atomic():
        features = Feature.objects.filter(pk__in=ids).select_related("layer")
        start = time.perf_counter()
        for feature in features:
            feature_update(feature=feature, base_version=feature.version, properties={"floors": 3}, partial=True,
                           channel="system")
        service = (time.perf_counter() - start) * 1000
        transaction.set_rollback(True)
    stdout.write(f"  {WRITES} updates: raw UPDATE {raw:.0f} ms, feature_update with history {service:.0f} ms "
                 f"(x{service / raw:.1f}; {service / WRITES:.2f} ms per update incl. validation, lock, "
                 "1-2 history rows)")


def _live_query(layer: Layer, bbox) -> query.ItemsQuery:
    """The statement the map's feature list runs for the current state (layers/api/features.py)."""
    return query.ItemsQuery(layer_id=layer.pk, fields=[f.name for f in parse_schema(layer.schema)], limit=5000,
                            where=[query.bbox_intersects(bbox)], extra_properties=True)


def run(*, layer: Layer, stdout, options) -> None:
    moment = timezone.now()
    for name, bbox in BOXES.items():
        current = _median_ms(lambda b=bbox: list(query.items_chunks(_live_query(layer, b))))
        past = _median_ms(
            lambda b=bbox: feature_collection_asof_geojson(layer=layer, asof=moment, bbox=b, limit=5000))
        stdout.write(f"  asof {name}: current features {current:.1f} ms, as of now {past:.1f} ms "
                     f"(x{past / current:.2f})")
    _writes(layer, stdout)
