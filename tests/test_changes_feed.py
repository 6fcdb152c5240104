"""The change feed: content, paging, permissions, and no gaps under concurrent, delayed commits.

The feed hands out a change only once every older transaction has ended, so these tests commit
for real (transaction=True): inside a test's own transaction nothing would ever be ready."""
from __future__ import annotations

import random
import threading
import time

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection, connections, transaction

from layers.changes.feed import START, CursorError, changes_read, cursor_decode
from layers.history.models import FeatureVersion
from layers.models import Feature, Layer
from layers.scope import EVERYTHING, FeatureScope
from layers.services import feature_create, feature_delete, feature_update
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db(transaction=True)


def read_all(layer, since=START, limit=1000, scope=EVERYTHING, deadline=120.0):
    """Every change after `since` once all of the layer's versions are ready (transactions
    elsewhere in the cluster may hold the feed back a while)."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        with connection.cursor() as cursor:
            cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM history_featureversion WHERE layer_id = %s"
                           " AND xid >= pg_snapshot_xmin(pg_current_snapshot()))", [layer.pk])
            if cursor.fetchone()[0]:
                break
        time.sleep(0.05)
    changes = []
    while True:
        page = changes_read(layer=layer, since=since, limit=limit, scope=scope)
        changes += page.changes
        since = page.next
        if not page.more:
            return changes, since


def test_inserts_updates_and_deletes_come_with_their_new_state(school_layer):
    first = Feature.objects.filter(layer=school_layer).order_by("id").first()
    feature_update(feature=first, base_version=1, properties={"name": "新名字", "level": "primary"})
    feature_delete(feature=Feature.objects.get(pk=first.pk))
    changes, _ = read_all(school_layer)
    assert [c.type for c in changes] == ["insert", "insert", "insert", "update", "delete"]
    update = changes[3].document()
    assert update["id"] == first.pk and update["version"] == 2
    assert update["feature"]["properties"]["name"] == "新名字"
    assert update["feature"]["geometry"] == {"type": "Point", "coordinates": [126.63, 45.75]}
    assert changes[4].document() == {"type": "delete", "id": first.pk, "version": 3,
                                     "recorded_at": changes[4].recorded_at.isoformat()}


def test_cursor_pages_resume_exactly_after_the_last_change(school_layer):
    whole, _ = read_all(school_layer)
    seen, since = [], START
    for _ in range(5):
        page = changes_read(layer=school_layer, since=since, limit=1)
        seen += page.changes
        since = page.next
    assert [(c.feature_id, c.version) for c in seen] == [(c.feature_id, c.version) for c in whole]
    assert changes_read(layer=school_layer, since=since, limit=10).changes == []
    assert cursor_decode(since.encode()) == since
    with pytest.raises(CursorError):
        cursor_decode("c1.bm90LWEtY3Vyc29y")
    with pytest.raises(CursorError):
        cursor_decode("12")


def test_scope_shows_only_its_fields_and_moves_across_its_area_as_insert_and_delete(school_layer):
    """The reader_scope hook's contract: fields subset; a feature leaving the area is a delete."""
    inside = Polygon.from_bbox((126.62, 45.74, 126.64, 45.755))
    first = Feature.objects.filter(layer=school_layer).order_by("id").first()  # (126.63, 45.75): inside
    feature_update(feature=first, base_version=1, geometry=Point(126.70, 45.70, srid=4326))  # leaves
    feature_update(feature=Feature.objects.get(pk=first.pk), base_version=2,
                   geometry=Point(126.63, 45.745, srid=4326))  # comes back
    feature_delete(feature=Feature.objects.get(pk=first.pk))
    changes, _ = read_all(school_layer, scope=FeatureScope(fields=("name",), area=inside))
    assert [(c.type, c.feature_id) for c in changes] == [
        ("insert", first.pk), ("delete", first.pk), ("insert", first.pk), ("delete", first.pk)]
    assert changes[0].properties == {"name": "第1中学"}


def test_rest_and_ogc_endpoints_page_with_next(client, school_layer, users):
    read_all(school_layer)  # ready
    response = client.get(f"/api/layers/{school_layer.slug}/changes/?limit=2")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["type"] for c in body["changes"]] == ["insert", "insert"] and body["more"] is True
    following = client.get(f"/api/layers/{school_layer.slug}/changes/", {"since": body["next"], "limit": 2}).json()
    assert len(following["changes"]) == 1 and following["more"] is False
    assert body["links"][0]["href"].endswith(f"since={body['next']}")
    ogc = client.get(f"/ogc/collections/{school_layer.slug}/changes", {"since": body["next"]})
    assert ogc.status_code == 200 and ogc.json()["changes"] == following["changes"]
    assert client.get(f"/api/layers/{school_layer.slug}/changes/?since=garbage").status_code == 400
    assert client.get(f"/ogc/collections/{school_layer.slug}/changes?since=garbage").status_code == 400
    assert client.get(f"/api/layers/{school_layer.slug}/changes/?limit=0").status_code == 400


def test_hidden_layers_feed_is_not_found(client, departments, users):
    hidden = make_layer("internal", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    feature_create(layer=hidden, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "x", "level": "middle"})
    read_all(hidden)  # ready
    assert client.get("/api/layers/internal/changes/").status_code == 404
    assert client.get("/ogc/collections/internal/changes").status_code == 404
    client.force_login(users["education_editor"])
    assert client.get("/api/layers/internal/changes/").status_code == 404
    client.force_login(users["planning_editor"])
    assert len(client.get("/api/layers/internal/changes/").json()["changes"]) == 1


def test_the_feed_is_in_both_openapi_documents(client, school_layer):
    rest = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/layers/{slug}/changes/" in rest["paths"]
    ogc = client.get("/ogc/api", {"f": "json"}).json()
    assert f"/collections/{school_layer.slug}/changes" in ogc["paths"]


def _write_then_commit_late(feature, took_number: threading.Event, release: threading.Event, out: list):
    """Takes its version's sequence number first, then commits only when released. (An update of
    properties: it locks only its feature, not the layer row that creates and deletes update.)"""
    try:
        with transaction.atomic():
            feature_update(feature=feature, base_version=feature.version,
                           properties={"name": "late", "level": "middle"})
            out.append(FeatureVersion.objects.get(feature_id=feature.pk, version=feature.version + 1).pk)
            took_number.set()
            release.wait(60)
    finally:
        connections.close_all()


def test_a_reader_polling_four_writers_never_skips_nor_repeats(departments):
    """Four writer threads commit 200 edits with random delays between taking their sequence
    number and committing; one transaction takes its number first and commits last. A reader
    polling all along sees every committed change exactly once, while a reader that follows
    the sequence alone skips the late one (the bug the xid ordering prevents)."""
    layer = make_layer("concurrent", departments["planning"])
    held = feature_create(layer=layer, geometry=Point(126.61, 45.71, srid=4326),
                          properties={"name": "held", "level": "middle"})
    took_number, release, late_ids = threading.Event(), threading.Event(), []
    late = threading.Thread(target=_write_then_commit_late, args=(held, took_number, release, late_ids))
    late.start()
    assert took_number.wait(30)
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            mine: list[int] = []
            for _ in range(50):
                with transaction.atomic():
                    if mine and rng.random() < 0.5:
                        feature = Feature.objects.get(pk=rng.choice(mine))
                        if rng.random() < 0.3:
                            feature_delete(feature=feature)
                            mine.remove(feature.pk)
                        else:
                            feature_update(feature=feature, base_version=feature.version,
                                           properties={"name": f"u{rng.random()}", "level": "primary"})
                    else:
                        mine.append(feature_create(
                            layer=layer, geometry=Point(126.5 + rng.random() / 5, 45.7 + rng.random() / 5, srid=4326),
                            properties={"name": f"w{seed}", "level": "middle"}).pk)
                    time.sleep(rng.random() * 0.01)  # hold the number a while before committing
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    for thread in writers:
        thread.start()
    seen: list[tuple[int, int]] = []
    naive_seen: set[int] = set()
    since, naive_after = START, 0

    def naive_poll() -> None:  # following the sequence alone
        nonlocal naive_after
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM history_featureversion WHERE layer_id = %s AND id > %s ORDER BY id",
                           [layer.pk, naive_after])
            for (version_id,) in cursor.fetchall():
                naive_seen.add(version_id)
                naive_after = version_id

    polls = 0
    while any(t.is_alive() for t in writers):
        page = changes_read(layer=layer, since=since, limit=20)
        seen += [(c.feature_id, c.version) for c in page.changes]
        since = page.next
        naive_poll()
        polls += 1
        if not release.is_set() and len(naive_seen) >= 100:
            release.set()  # the transaction that took its number first commits, halfway through
        time.sleep(0.005)
    release.set()
    late.join(30)
    for thread in writers:
        thread.join()
    assert not errors, errors
    naive_poll()
    rest, _ = read_all(layer, since=since)
    seen += [(c.feature_id, c.version) for c in rest]
    committed = list(FeatureVersion.objects.filter(layer=layer).values_list("feature_id", "version"))
    assert len(committed) > 200 and polls > 20
    assert len(seen) == len(set(seen)), "a change was handed out twice"
    assert sorted(seen) == sorted(committed), "a committed change was skipped"
    assert naive_after > late_ids[0]  # numbers after the late one were committed, and read, first
    assert late_ids[0] not in naive_seen, "the sequence-following reader should have skipped the late change"
