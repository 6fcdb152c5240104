"""Large imports commit without their search rows, which a job of their own adds right after: the
layer is served and editable first, searchable when that job is done; small ones are searchable
when they commit. Run on the real queue (RQ on Redis, worked in-process)."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from rq import SimpleWorker

from layers.models import Feature
from layers.search.indexing import index_missing, layer_index_is_current
from layers.services import feature_delete, feature_update
from tests import test_import_jobs
from tests.io_samples import POINTS, feature_collection, write_geojson

queue = test_import_jobs.queue  # the real queue, emptied around each test

pytestmark = pytest.mark.django_db(transaction=True)


def found(client, q: str) -> list[str]:
    response = client.get("/api/search", {"q": q})
    assert response.status_code == 200, response.content
    return [f["properties"]["name"] for f in response.json()["features"]]


def post_import(client, users, tmp_path, title: str) -> dict:
    client.force_login(users["planning_manager"])
    with open(write_geojson(tmp_path), "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": title})
    assert response.status_code == 202, response.content
    return response.json()


def test_a_large_import_is_served_first_and_searchable_when_its_index_job_is_done(client, users, queue, settings,
                                                                                   tmp_path):
    settings.SEARCH_INDEX_SYNC_ROWS = 2  # the sample's 3 features make it "large"
    body = post_import(client, users, tmp_path, "大批导入")
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)  # the import job only
    job = client.get(body["url"]).json()
    assert job["state"] == "succeeded" and job["search"] == "indexing"
    slug = job["layer"]["slug"]
    assert Feature.objects.filter(layer__slug=slug).count() == 3
    assert client.get(f"/api/layers/{slug}/").status_code == 200  # served
    assert not found(client, "哈尔滨市第一中学")
    assert queue.count == 2  # the index job and the creations' history job, queued when the import committed
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert client.get(body["url"]).json()["search"] == "ready"
    for _, _, name, _, _ in POINTS:
        assert name in found(client, name)


def test_a_small_import_is_searchable_when_it_commits(client, users, queue, tmp_path):
    body = post_import(client, users, tmp_path, "小批导入")
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    job = client.get(body["url"]).json()
    assert job["state"] == "succeeded" and job["search"] == "ready"
    assert queue.count == 0
    assert "南岗区实验小学" in found(client, "南岗区实验小学")


def test_edits_and_deletes_before_the_index_job_are_kept(client, users, queue, settings, tmp_path):
    settings.SEARCH_INDEX_SYNC_ROWS = 2
    body = post_import(client, users, tmp_path, "边导边改")
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    features = {f.properties["name"]: f for f in Feature.objects.filter(layer__slug=client.get(body["url"]).json()
                                                                        ["layer"]["slug"])}
    renamed = features["南岗区实验小学"]
    # Edited while the index job waits: the edit indexes the feature itself, under its new name.
    feature_update(feature=renamed, geometry=Point(126.6521, 45.7713, srid=4326),
                   properties={**renamed.properties, "name": "南岗区第二实验小学"}, base_version=renamed.version,
                   user=users["planning_manager"])
    feature_delete(feature=features["道里区松花江小学"], user=users["planning_manager"])
    layer = renamed.layer
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert layer_index_is_current(layer=layer)
    assert "南岗区第二实验小学" in found(client, "南岗区第二实验小学")
    assert "道里区松花江小学" not in found(client, "道里区松花江小学")
    assert "哈尔滨市第一中学" in found(client, "哈尔滨市第一中学")
    assert index_missing(str(layer.pk)) == 0  # a second run adds nothing


def test_the_index_job_of_a_deleted_layer_does_nothing(client, users, queue, settings, tmp_path):
    settings.SEARCH_INDEX_SYNC_ROWS = 2
    body = post_import(client, users, tmp_path, "删除图层")
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    layer = Feature.objects.filter(layer__slug=client.get(body["url"]).json()["layer"]["slug"]).first().layer
    layer_id = layer.pk
    layer.delete()
    assert index_missing(str(layer_id)) == 0
    assert feature_collection()["features"]  # the sample itself is intact for the other tests
