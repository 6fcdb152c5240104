"""`?asof=` over a bbox on a layer with 50,000 versioned features: the box is applied before each
feature's latest version is chosen (the versions' (layer, geom) GiST index), the versions table is
never read sequentially, and the answer is the one of the plain definition (DISTINCT ON the latest
version recorded by then, not a deletion; features without history as stored).

Read as of a moment before a third of the features moved and a seventh were deleted, the versions
in the box come from the GiST index; read as of now, nothing changed since, and the versions part
is found empty through the (layer, time) index without touching the box's versions at all."""
import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from layers.services import layer_refresh_stats
from tests.conftest import make_layer

SIZE = 50_000
UNVERSIONED = 1_000  # loaded by raw SQL, never changed: no version rows
GIST = "featureversion_layer_geom_gist"
BY_TIME = "featureversion_layer_time"
BBOX = (126.60, 45.70, 126.65, 45.74)  # about 1% of the layer
T0 = timezone.now() - datetime.timedelta(days=2)  # created
T1 = timezone.now() - datetime.timedelta(days=1)  # a third moved, a seventh deleted

_RANDOM_POINT = "ST_SetSRID(ST_MakePoint(126.4 + random() * 0.5, 45.6 + random() * 0.3), 4326)"


def _load(cursor, layer, *, history: bool) -> None:
    """SIZE points created at T0 with version 1; at T1 every third moved elsewhere (version 2) and
    every seventh of the others deleted (a deletion version, the row gone); UNVERSIONED more
    without history."""
    cursor.execute(
        f"""INSERT INTO layers_feature (layer_id, geom, properties, name, version, created_at, updated_at)
            SELECT %s, {_RANDOM_POINT}, jsonb_build_object('n', i), '', 1, %s, %s FROM generate_series(1, %s) i""",
        [layer.pk, T0, T0, SIZE])
    if history:
        cursor.execute(
            """INSERT INTO history_featureversion
                   (layer_id, feature_id, version, action, deleted, channel, recorded_at, geom, properties)
               SELECT layer_id, id, 1, 'create', false, 'system', %s, geom, properties
               FROM layers_feature WHERE layer_id = %s""", [T0, layer.pk])
        cursor.execute(
            f"""WITH moved AS (
                    UPDATE layers_feature SET geom = {_RANDOM_POINT}, version = 2, updated_at = %s
                    WHERE layer_id = %s AND id %% 3 = 0 RETURNING layer_id, id, geom, properties)
                INSERT INTO history_featureversion
                    (layer_id, feature_id, version, action, deleted, channel, recorded_at, geom, properties)
                SELECT layer_id, id, 2, 'update', false, 'system', %s, geom, properties FROM moved""",
            [T1, layer.pk, T1])
        cursor.execute(
            """WITH gone AS (DELETE FROM layers_feature WHERE layer_id = %s AND id %% 3 <> 0 AND id %% 7 = 0
                             RETURNING layer_id, id, geom, properties)
               INSERT INTO history_featureversion
                   (layer_id, feature_id, version, action, deleted, channel, recorded_at, geom, properties)
               SELECT layer_id, id, 2, 'delete', true, 'system', %s, geom, properties FROM gone""",
            [layer.pk, T1])
    cursor.execute(
        f"""INSERT INTO layers_feature (layer_id, geom, properties, name, version, created_at, updated_at)
            SELECT %s, {_RANDOM_POINT}, '{{}}'::jsonb, '', 1, %s, %s FROM generate_series(1, %s)""",
        [layer.pk, T0, T0, UNVERSIONED])


@pytest.fixture
def versioned_layer(departments):
    """The layer, and a neighbour with as many versions over the same area (so that the layer
    condition matters to the planner, as on a platform with many layers)."""
    layer = make_layer("asof-probe", departments["planning"], schema=[{"name": "n", "type": "integer"}])
    other = make_layer("asof-neighbour", departments["planning"], schema=[])
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.25)")
        for target in (layer, other):
            _load(cursor, target, history=True)
        cursor.execute("ANALYZE layers_feature")
        cursor.execute("ANALYZE history_featureversion")
    layer_refresh_stats(layer=layer)
    return layer


def _expected_ids(layer, moment) -> list[int]:
    """The features in BBOX at `moment` by the plain definition (the statement "as of" replaced)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT id FROM (
                   SELECT DISTINCT ON (v.feature_id) v.feature_id AS id, v.geom, v.deleted
                   FROM history_featureversion v WHERE v.layer_id = %s AND v.recorded_at <= %s
                   ORDER BY v.feature_id, v.version DESC) s
               WHERE NOT s.deleted AND s.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
               UNION ALL
               SELECT f.id FROM layers_feature f
               WHERE f.layer_id = %s AND f.created_at <= %s AND f.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
                 AND NOT EXISTS (SELECT 1 FROM history_featureversion w WHERE w.feature_id = f.id)
               ORDER BY id""",
            [layer.pk, moment, *BBOX, layer.pk, moment, *BBOX])
        return [row[0] for row in cursor.fetchall()]


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _body(response) -> dict:
    return json.loads(b"".join(response.streaming_content) if response.streaming else response.content)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/layers/{slug}/features/?bbox={bbox}&limit=10000&asof={asof}",
                                  "/ogc/collections/{slug}/items?bbox={bbox}&limit=10000&f=json&asof={asof}"])
@pytest.mark.parametrize(("moment", "index", "condition"), [(T0 + datetime.timedelta(hours=1), GIST, "geom &&"),
                                                            (timezone.now(), BY_TIME, "recorded_at >")],
                         ids=["before-the-changes", "now"])
def test_asof_over_a_bbox_reads_the_versions_in_the_box_through_their_index(client, versioned_layer, path, moment,
                                                                            index, condition):
    url = path.format(slug=versioned_layer.slug, bbox=",".join(map(str, BBOX)),
                      asof=moment.isoformat().replace("+", "%2B"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        served = _body(response)
    assert response.status_code == 200
    expected = _expected_ids(versioned_layer, moment)
    assert 0.005 * SIZE < len(expected) < 0.03 * SIZE
    assert [f["id"] for f in served["features"]] == expected

    statements = [q["sql"] for q in captured.captured_queries if "history_featureversion" in q["sql"]]
    assert statements
    for statement in statements:
        plan = _explain(statement)
        assert "Seq Scan on history_featureversion" not in plan, plan
        assert re.search(rf"(Bitmap )?Index Scan (using|on) {index}", plan), plan
        index_cond = plan.split(index, 1)[1].split("Index Cond:", 1)[1].splitlines()[0]
        assert "layer_id" in index_cond and condition in index_cond, plan
