"""Benchmark of the history capability (section "history" of `manage.py bench`).

- "as of" reads (layers.history.selectors.features_asof as the source of the map's feature list)
  against reading the current features of the same box, by the same statement (layers.ogcapi.query):
  on the benchmark layer as it is (no history), with a version row for every feature (as after an
  edit of each) read as of now, and with 1% of the features moved since the moment read;
- feature_update with its history rows against a raw UPDATE of the same rows.
Writes run inside a transaction that is rolled back, so the benchmark layer stays unchanged."""
from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from layers.bench_timing import median_ms
from layers.history.recording import feature_versions_ensure_baseline_bulk, feature_versions_record_bulk
from layers.history.selectors import features_asof
from layers.models import Feature, Layer
from layers.ogcapi import query
from layers.schema import parse_schema
from layers.services import feature_update

BOXES = {
    "centre 0.01 deg": (126.632, 45.752, 126.642, 45.762),
    "centre 0.05 deg": (126.612, 45.732, 126.662, 45.782),
}
WRITES = 200



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


def _list_query(layer: Layer, bbox, source: query.Fragment = query.LIVE_FEATURES) -> query.ItemsQuery:
    """The statement the map's feature list runs (layers/api/features.py), now or `?asof=`."""
    return query.ItemsQuery(layer_id=layer.pk, fields=[f.name for f in parse_schema(layer.schema)], limit=5000,
                            where=[query.bbox_intersects(bbox)], extra_properties=True, source=source)


def _asof_reads(layer: Layer, stdout, label: str, moment=None) -> None:
    """The map's feature list over each box, now and `?asof=` a moment (now by default)."""
    moment = moment or timezone.now()
    asof = features_asof(layer_id=layer.pk, asof=moment, name_field=layer.name_field)
    for name, bbox in BOXES.items():
        current = median_ms(lambda b=bbox: list(query.items_chunks(_list_query(layer, b))))
        past = median_ms(lambda b=bbox: list(query.items_chunks(_list_query(layer, b, asof))))
        stdout.write(f"  asof {name}, {label}: current features {current:.1f} ms, as of then {past:.1f} ms "
                     f"(x{past / current:.2f})")


def run(*, layer: Layer, stdout, options) -> None:
    _asof_reads(layer, stdout, "features without history")
    with transaction.atomic():
        # Every feature with a version row (as after an edit of each), rolled back afterwards.
        feature_versions_ensure_baseline_bulk(layer_id=layer.pk)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE history_featureversion")
        _asof_reads(layer, stdout, f"{layer.feature_count:,} versions")
        # Then 1% of the features moved: a moment before that reads their previous versions.
        before = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE layers_feature SET geom = ST_Translate(geom, 0.0002, 0), version = version + 1, "
                           "updated_at = now() WHERE layer_id = %s AND id %% 100 = 0 RETURNING id", [layer.pk])
            moved = [row[0] for row in cursor.fetchall()]
        feature_versions_record_bulk(feature_ids=moved, channel="system", action="update")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE history_featureversion")
        _asof_reads(layer, stdout, f"{len(moved):,} moved since then", moment=before)
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) history_featureversion")  # the rolled-back rows, for what follows
    _writes(layer, stdout)
