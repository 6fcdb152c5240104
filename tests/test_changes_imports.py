"""An import's created features reach the change feed as inserts: a small import's in its own
transaction, a large import's by the job that records their versions after it commits; edits and
deletes in between keep their meaning and neither write fails. Run on the real queue."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from rq import SimpleWorker

from layers.changes.feed import changes_head
from layers.history.recording import record_import_creations
from layers.history.selectors import feature_versions
from layers.models import Feature
from layers.services import feature_delete, feature_update
from tests import test_import_jobs
from tests.io_samples import POINTS
from tests.test_changes_feed import read_all
from tests.test_import_search_later import post_import

queue = test_import_jobs.queue  # the real queue, emptied around each test

pytestmark = pytest.mark.django_db(transaction=True)
NAMES = {name for _, _, name, _, _ in POINTS}


def imported_layer(client, body):
    job = client.get(body["url"]).json()
    assert job["state"] == "succeeded", job
    return Feature.objects.filter(layer__slug=job["layer"]["slug"]).first().layer


def test_a_small_import_is_in_the_feed_when_it_commits(client, users, queue, tmp_path):
    body = post_import(client, users, tmp_path, "小批导入")
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    assert queue.count == 0  # nothing left for later
    layer = imported_layer(client, body)
    changes, _ = read_all(layer)
    assert [c.type for c in changes] == ["insert"] * len(POINTS)
    assert {c.properties["name"] for c in changes} == NAMES
    # Through the API as a client reads it, and the history of one feature says who created it.
    page = client.get(f"/api/layers/{layer.slug}/changes/").json()
    assert sorted(c["feature"]["properties"]["name"] for c in page["changes"]) == sorted(NAMES)
    first = Feature.objects.filter(layer=layer).order_by("id").first()
    versions = feature_versions(layer=layer, feature_id=first.pk)
    assert [(v["version"], v["action"], v["channel"]) for v in versions] == [(1, "create", "import")]


def test_a_large_import_reaches_the_feed_with_its_history_job_and_edits_meanwhile_keep_their_meaning(
        client, users, queue, settings, tmp_path):
    settings.SEARCH_INDEX_SYNC_ROWS = 2  # the sample's 3 features make it "large"
    body = post_import(client, users, tmp_path, "大批导入")
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)  # the import job only
    layer = imported_layer(client, body)
    assert read_all(layer)[0] == []  # on the map, not yet in the feed
    assert queue.count == 2  # the search index job and the history job
    features = {f.properties["name"]: f for f in Feature.objects.filter(layer=layer)}
    renamed, removed = features["南岗区实验小学"], features["道里区松花江小学"]
    feature_update(feature=renamed, geometry=Point(126.6521, 45.7713, srid=4326),
                   properties={**renamed.properties, "name": "南岗区第二实验小学"}, base_version=renamed.version,
                   user=users["planning_manager"])
    feature_delete(feature=removed, user=users["planning_manager"])
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    changes = {c.feature_id: c for c in read_all(layer)[0]}
    assert changes[renamed.pk].type == "update" and changes[renamed.pk].properties["name"] == "南岗区第二实验小学"
    assert changes[removed.pk].type == "delete"
    untouched = features["哈尔滨市第一中学"]
    assert changes[untouched.pk].type == "insert" and changes[untouched.pk].version == 1
    assert len(changes) == 3
    # The job again (a retry) adds nothing, and the feed's head does not move.
    head = changes_head(layer=layer)
    created_at = Feature.objects.get(pk=untouched.pk).created_at
    assert record_import_creations(f"{layer.pk}@{created_at.isoformat()}@0") == 0
    assert changes_head(layer=layer) == head
