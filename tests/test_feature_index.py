"""A per-layer bbox query is answered from the composite GiST index over (layer, geom), with the
layer narrowing the index scan (not a second index ANDed in, not a sequential scan)."""
import json
import re

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.models import Feature
from layers.services import layer_refresh_stats
from tests.conftest import make_layer

SIZE = 50_000
INDEX = "feature_layer_geom_gist"
BBOX = (126.60, 45.70, 126.65, 45.74)  # about 1% of the layer


@pytest.fixture
def big_layer(departments):
    """50,000 points over the urban area, and as many of another layer over the same area (so that
    the layer condition matters to the planner, as on a platform with many layers)."""
    layer = make_layer("index-probe", departments["planning"], schema=[])
    other = make_layer("index-neighbour", departments["planning"], schema=[])
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.5)")
        for target in (layer, other):
            cursor.execute(
                """
                INSERT INTO layers_feature (layer_id, geom, properties, name, version, created_at, updated_at)
                SELECT %s, ST_SetSRID(ST_MakePoint(126.4 + random() * 0.5, 45.6 + random() * 0.3), 4326),
                       '{}'::jsonb, '', 1, now(), now()
                FROM generate_series(1, %s)
                """,
                [target.pk, SIZE],
            )
        cursor.execute("ANALYZE layers_feature")
    layer_refresh_stats(layer=layer)
    return layer


def _explain(sql: str, params=None) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _assert_index_narrows_by_layer_and_bbox(plan: str) -> None:
    assert "Seq Scan on layers_feature" not in plan, plan
    assert re.search(rf"(Bitmap )?Index Scan (using|on) {INDEX}", plan), plan
    index_cond = plan.split(INDEX, 1)[1].split("Index Cond:", 1)[1].splitlines()[0]
    assert "layer_id" in index_cond and "geom &&" in index_cond, plan
    assert "BitmapAnd" not in plan, plan


@pytest.mark.slow
@pytest.mark.django_db
def test_orm_bbox_query_on_one_layer_uses_the_composite_index(big_layer):
    assert big_layer.feature_count == SIZE
    query = Feature.objects.of_layer(big_layer).filter(geom__bboverlaps=Polygon.from_bbox(BBOX))
    _assert_index_narrows_by_layer_and_bbox(query.explain())
    assert 0.005 * SIZE < query.count() < 0.03 * SIZE


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/layers/{slug}/features/?bbox={bbox}&limit=10000",
                                  "/ogc/collections/{slug}/items?bbox={bbox}&limit=10000&f=json"])
def test_the_served_bbox_queries_use_the_composite_index(client, big_layer, path):
    """The statements the map (REST) and other systems (OGC API) run for a bbox, as served."""
    url = path.format(slug=big_layer.slug, bbox=",".join(map(str, BBOX)))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert 0.005 * SIZE < len(json.loads(body)["features"]) < 0.03 * SIZE
    statements = [q["sql"] for q in captured.captured_queries if "layers_feature" in q["sql"] and "&&" in q["sql"]]
    assert statements
    for statement in statements:
        _assert_index_narrows_by_layer_and_bbox(_explain(statement))
