"""Feature history recorded by the write services: versions, restore, undelete and "as of"."""
from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from layers.history.models import FeatureVersion
from layers.history.restore import feature_restore_version
from layers.history.selectors import feature_collection_asof_geojson, feature_versions, layer_changes
from layers.models import Feature
from layers.schema import PropertyValidationError
from layers.services import (
    FeatureInput,
    VersionConflict,
    feature_create,
    feature_delete,
    feature_undelete,
    feature_update,
    features_bulk_create,
)
from tests.conftest import make_layer

PROPS = {"name": "第一中学", "level": "middle"}


@pytest.fixture
def layer(departments):
    return make_layer("schools", departments["education"])


def asof(layer, moment) -> dict:
    return json.loads(feature_collection_asof_geojson(layer=layer, asof=moment))


def test_every_write_records_who_when_channel_and_full_state(layer, users):
    editor = users["education_editor"]
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS,
                             user=editor, channel="browser")
    feature = feature_update(feature=feature, base_version=1, properties={"pupils": 300}, partial=True,
                             user=editor, channel="rest")
    feature_delete(feature=feature, base_version=2, user=editor, channel="ogc")
    rows = list(FeatureVersion.objects.filter(feature_id=feature.pk).order_by("version"))
    assert [(r.version, r.action, r.channel, r.deleted, r.user_id) for r in rows] == [
        (1, "create", "browser", False, editor.pk),
        (2, "update", "rest", False, editor.pk),
        (3, "delete", "ogc", True, editor.pk),
    ]
    assert rows[0].properties == PROPS and rows[1].properties == {**PROPS, "pupils": 300}
    assert rows[2].geom.equals(Point(126.6, 45.7, srid=4326))
    listed = feature_versions(layer=layer, feature_id=feature.pk)
    assert [v["version"] for v in listed] == [3, 2, 1] and listed[0]["user"] == editor.username
    assert listed[2]["geometry"] == {"type": "Point", "coordinates": [126.6, 45.7]}


def test_a_failed_save_changes_nothing(layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS)
    with pytest.raises(PropertyValidationError):
        feature_update(feature=feature, base_version=1, properties={"name": ""}, partial=True)
    with pytest.raises(VersionConflict):
        feature_update(feature=feature, base_version=7, properties={"pupils": 1}, partial=True)
    with pytest.raises(ValueError):
        feature_update(feature=feature, base_version=1, properties={"pupils": 1}, partial=True, channel="fax")
    assert FeatureVersion.objects.filter(feature_id=feature.pk).count() == 1
    feature.refresh_from_db()
    assert feature.version == 1 and feature.properties == PROPS


def test_restore_an_old_version_as_a_new_one(layer, users):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS)
    feature = feature_update(feature=feature, base_version=1, geometry=Point(126.7, 45.8, srid=4326),
                             properties={**PROPS, "name": "新名"})
    restored = feature_restore_version(feature=feature, version=1, base_version=2, user=users["admin"])
    assert restored.version == 3 and restored.properties == PROPS and restored.name == "第一中学"
    assert restored.geom.equals(Point(126.6, 45.7, srid=4326))
    assert FeatureVersion.objects.get(feature_id=feature.pk, version=3).action == "restore"
    with pytest.raises(VersionConflict):
        feature_restore_version(feature=restored, version=2, base_version=2)
    with pytest.raises(LookupError):
        feature_restore_version(feature=restored, version=99, base_version=3)


def test_deleted_feature_comes_back_under_its_id(layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS)
    feature_delete(feature=feature, base_version=1)
    deleted = layer_changes(layer=layer, deleted_only=True)
    assert [(c["feature_id"], c["action"]) for c in deleted] == [(feature.pk, "delete")]
    back = feature_undelete(layer=layer, feature_id=feature.pk, channel="browser")
    assert back.pk == feature.pk and back.version == 3 and back.properties == PROPS
    layer.refresh_from_db()
    assert layer.feature_count == 1
    assert layer_changes(layer=layer, deleted_only=True) == []
    with pytest.raises(LookupError):
        feature_undelete(layer=layer, feature_id=feature.pk)


def test_asof_shows_the_layer_as_it_was(layer):
    a = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS)
    t1 = timezone.now()
    b = feature_create(layer=layer, geometry=Point(126.61, 45.71, srid=4326), properties={**PROPS, "name": "乙"})
    feature_update(feature=a, base_version=1, properties={"pupils": 5}, partial=True)
    t2 = timezone.now()
    feature_delete(feature=b, base_version=1)
    t3 = timezone.now()

    def summary(moment):
        return [(f["id"], f["properties"].get("pupils"), f["properties"]["_version"]) for f in
                asof(layer, moment)["features"]]

    assert summary(t1 - datetime.timedelta(seconds=5)) == []
    assert summary(t1) == [(a.pk, None, 1)]
    assert summary(t2) == [(a.pk, 5, 2), (b.pk, None, 1)]
    assert summary(t3) == [(a.pk, 5, 2)]
    assert asof(layer, t2)["features"][1]["properties"]["_name"] == "乙"


def test_raw_loaded_features_get_a_baseline_before_their_first_change(layer):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO layers_feature (layer_id, geom, properties, name, version, created_at, updated_at) "
            "VALUES (%s, ST_SetSRID(ST_MakePoint(126.6, 45.7), 4326), %s, '', 1, now() - interval '1 day', "
            "now() - interval '1 day') RETURNING id",
            [layer.pk, json.dumps(PROPS)],
        )
        raw_id = cursor.fetchone()[0]
    before = timezone.now()
    assert [f["id"] for f in asof(layer, before)["features"]] == [raw_id]
    implied = feature_versions(layer=layer, feature_id=raw_id)  # no row yet: the stored state stands for it
    assert [(v["version"], v["action"], v["properties"]) for v in implied] == [(1, "baseline", PROPS)]
    assert not FeatureVersion.objects.filter(feature_id=raw_id).exists()
    feature_update(feature=Feature.objects.get(pk=raw_id), base_version=1, properties={"pupils": 9}, partial=True)
    assert [(v.version, v.action) for v in FeatureVersion.objects.filter(feature_id=raw_id)] == [
        (1, "baseline"), (2, "update")]
    assert feature_versions(layer=layer, feature_id=raw_id)[1] == implied[0]
    assert [f["properties"].get("pupils") for f in asof(layer, before)["features"]] == [None]


def test_bulk_create_records_version_one_of_each(layer, users):
    rows = [FeatureInput(geometry=Point(126.6 + i / 100, 45.7, srid=4326), properties=PROPS) for i in range(3)]
    assert features_bulk_create(layer=layer, rows=rows, user=users["admin"]) == 3
    versions = FeatureVersion.objects.filter(layer=layer)
    assert versions.count() == 3 and {(v.action, v.channel, v.user_id) for v in versions} == {
        ("create", "import", users["admin"].pk)}


def test_asof_on_the_map_features_endpoint(client, layer):
    feature = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS)
    moment = timezone.localtime().isoformat()
    feature_delete(feature=feature, base_version=1)
    then = body(client.get(f"/api/layers/{layer.slug}/features/", {"asof": moment}))
    now = body(client.get(f"/api/layers/{layer.slug}/features/"))
    assert [f["id"] for f in then["features"]] == [feature.pk] and now["features"] == []
    bad = client.get(f"/api/layers/{layer.slug}/features/", {"asof": "yesterday"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["error"]


def body(response) -> dict:
    return json.loads(b"".join(response.streaming_content) if response.streaming else response.content)


def test_asof_on_the_ogc_items_and_item(client, layer):
    kept = feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties=PROPS)
    gone = feature_create(layer=layer, geometry=Point(126.62, 45.72, srid=4326), properties={**PROPS, "name": "乙"})
    moment = timezone.localtime().isoformat()
    feature_update(feature=kept, base_version=1, properties={"pupils": 7}, partial=True)
    feature_delete(feature=gone, base_version=1)

    items = f"/ogc/collections/{layer.slug}/items"
    then = body(client.get(items, {"asof": moment, "f": "json"}))
    assert [(f["id"], f["properties"].get("pupils")) for f in then["features"]] == [(kept.pk, None), (gone.pk, None)]
    assert then["numberMatched"] == 2
    now = body(client.get(items, {"f": "json"}))
    assert [(f["id"], f["properties"]["pupils"]) for f in now["features"]] == [(kept.pk, 7)]
    filtered = body(client.get(items, {"asof": moment, "name": "乙", "f": "json"}))
    assert [f["id"] for f in filtered["features"]] == [gone.pk]

    old = client.get(f"{items}/{gone.pk}", {"asof": moment, "f": "json"})
    assert old.status_code == 200 and body(old)["properties"]["name"] == "乙"
    assert client.get(f"{items}/{gone.pk}", {"f": "json"}).status_code == 404
    bad = client.get(items, {"asof": "yesterday", "f": "json"})
    assert bad.status_code == 400 and "ISO 8601" in bad.content.decode()
