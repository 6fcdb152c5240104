"""Benchmark of the change feed (section "feed" of `manage.py bench`): reading 10,000 changes
page by page (1,000 a page, the largest) against the raw SQL read of the same version rows.

The feed hands out committed versions only, so the section keeps a layer of its own
("bench-feed", 10,000 inserted features) rather than writing in a transaction it rolls back."""
from __future__ import annotations

import random

from django.contrib.gis.geos import Point
from django.db import connection

from layers.bench_timing import median_ms
from layers.changes.feed import MAX_LIMIT, START, changes_read
from layers.models import Layer
from layers.services import FeatureInput, features_bulk_create

SLUG = "bench-feed"
CHANGES = 10_000


def _feed_layer(benchmark: Layer) -> Layer:
    layer, created = Layer.objects.get_or_create(
        slug=SLUG, defaults={"title_zh": "变更流基准", "title_en": "Feed benchmark", "department": benchmark.department,
                             "geometry_type": Layer.GeometryType.POINT, "schema": [], "is_demo": True})
    if created:
        rng = random.Random(1)
        features_bulk_create(layer=layer, rows=[FeatureInput(Point(126.5 + rng.random() / 4, 45.6 + rng.random() / 4,
                                                                   srid=4326), {}) for _ in range(CHANGES)])
    return layer



def run(*, layer: Layer, stdout, options) -> None:
    feed_layer = _feed_layer(layer)

    def feed() -> int:
        since, count = START, 0
        while True:
            page = changes_read(layer=feed_layer, since=since, limit=MAX_LIMIT)
            count += len([change.document() for change in page.changes])
            since = page.next
            if not page.more:
                return count

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, feature_id, version, ST_AsGeoJSON(geom, 15), properties::text "
                           "FROM history_featureversion WHERE layer_id = %s ORDER BY id", [feed_layer.pk])
            return len(cursor.fetchall())

    count = feed()
    feed_ms, raw_ms = median_ms(feed), median_ms(raw)
    stdout.write(f"feed read of {count} changes ({MAX_LIMIT} a page, as documents): {feed_ms:.0f} ms; "
                 f"raw SQL read of the same rows: {raw_ms:.0f} ms; ratio {feed_ms / raw_ms:.2f}")
