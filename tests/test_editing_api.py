"""The editing API: create, update and delete with base versions, 412 on conflict, history,
restore, undelete, repair preview, and concurrent saves where exactly one wins."""
from __future__ import annotations

import json
import threading

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test import Client

from layers.history.models import FeatureVersion
from layers.models import Feature, Layer
from layers.services import feature_create
from tests.conftest import make_layer

SQUARE = {"type": "Polygon", "coordinates": [[[126.60, 45.70], [126.61, 45.70], [126.61, 45.71],
                                              [126.60, 45.71], [126.60, 45.70]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[126.60, 45.70], [126.61, 45.71], [126.61, 45.70],
                                              [126.60, 45.71], [126.60, 45.70]]]}
SCHEMA = [
    {"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name"},
    {"name": "floors", "type": "integer", "label_zh": "层数", "label_en": "Floors"},
]


@pytest.fixture
def parcels(departments):
    return make_layer("parcels", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                      visibility=Layer.Visibility.DEPARTMENT, schema=SCHEMA)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client, method, url, body=None, **headers):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json",
                                   headers=headers)


def url(layer, *parts) -> str:
    return "/api/edit/layers/" + "/".join([layer.slug, *map(str, parts)]) + "/"


def test_create_update_delete_with_versions(parcels, users):
    client = signed_in(users["planning_editor"])
    missing = send(client, "post", url(parcels, "features"), {"geometry": SQUARE, "properties": {}})
    assert missing.status_code == 400 and missing.json()["errors"] == {"name": "This field is required."}
    created = send(client, "post", url(parcels, "features"), {"geometry": SQUARE, "properties": {"name": "A"}})
    assert created.status_code == 201 and created["ETag"] == '"1"'
    fid = created.json()["id"]

    no_base = send(client, "put", url(parcels, "features", fid), {"properties": {"name": "B"}})
    assert no_base.status_code == 428
    updated = send(client, "patch", url(parcels, "features", fid), {"properties": {"floors": "7"}}, If_Match='"1"')
    assert updated.status_code == 200 and updated.json()["properties"] == {"name": "A", "floors": 7}
    assert updated["ETag"] == '"2"'

    stale = send(client, "put", url(parcels, "features", fid), {"properties": {"name": "C"}, "version": 1})
    assert stale.status_code == 412
    assert stale.json()["current"]["version"] == 2 and stale.json()["current"]["properties"]["floors"] == 7
    assert Feature.objects.get(pk=fid).properties == {"name": "A", "floors": 7}

    assert send(client, "delete", url(parcels, "features", fid), {"version": 1}).status_code == 412
    assert send(client, "delete", url(parcels, "features", fid), {"version": 2}).status_code == 200
    assert not Feature.objects.filter(pk=fid).exists()
    assert list(FeatureVersion.objects.filter(feature_id=fid).values_list("action", "channel")) == [
        ("create", "browser"), ("update", "browser"), ("delete", "browser")]


def test_geometry_is_checked_and_repair_is_previewed(parcels, users):
    client = signed_in(users["planning_editor"])
    bad = send(client, "post", url(parcels, "features"), {"geometry": BOWTIE, "properties": {"name": "X"}})
    assert bad.status_code == 400 and bad.json()["repairable"] is True
    assert "Self-intersection" in bad.json()["errors"]["geometry"]
    point = send(client, "post", url(parcels, "features"),
                 {"geometry": {"type": "Point", "coordinates": [126.6, 45.7]}, "properties": {"name": "X"}})
    assert point.status_code == 400 and "polygon" in point.json()["errors"]["geometry"]
    far = send(client, "post", url(parcels, "features"), {"geometry": {"type": "Polygon", "coordinates": [
        [[116.3, 39.9], [116.4, 39.9], [116.4, 40.0], [116.3, 39.9]]]}, "properties": {"name": "X"}})
    assert far.status_code == 400 and "outside" in far.json()["errors"]["geometry"]
    garbage = send(client, "post", url(parcels, "features"), {"geometry": {"type": "Blob"}, "properties": {}})
    assert garbage.status_code == 400 and "geometry" in garbage.json()["errors"]

    preview = send(client, "post", url(parcels, "repair"), {"geometry": BOWTIE}).json()
    assert preview["valid"] is False and preview["reason"].startswith("Self-intersection")
    assert preview["repaired"]["type"] == "MultiPolygon"
    fixed = send(client, "post", url(parcels, "features"),
                 {"geometry": preview["repaired"], "properties": {"name": "X"}})
    assert fixed.status_code == 201
    assert send(client, "post", url(parcels, "repair"), {"geometry": SQUARE}).json() == {
        "valid": True, "reason": "Valid Geometry", "repaired": None}
    assert Feature.objects.filter(layer=parcels).count() == 1


def test_who_may_write(parcels, users, departments):
    body = {"geometry": SQUARE, "properties": {"name": "A"}}
    assert send(Client(), "post", url(parcels, "features"), body).status_code == 401
    # Hidden from another department: answers like a missing layer.
    hidden = send(signed_in(users["education_editor"]), "post", url(parcels, "features"), body)
    missing = send(signed_in(users["education_editor"]), "post", "/api/edit/layers/nowhere/features/", body)
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    public = make_layer("open", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, schema=SCHEMA)
    assert send(signed_in(users["education_editor"]), "post", url(public, "features"), body).status_code == 403
    assert send(signed_in(users["public"]), "post", url(public, "features"), body).status_code == 403
    listing = signed_in(users["planning_manager"]).get("/api/edit/layers/").json()
    assert listing == {"edit": ["open", "parcels"], "manage": ["open", "parcels"], "can_create": True,
                       "is_manager": True}
    assert signed_in(users["planning_editor"]).get("/api/edit/layers/").json()["manage"] == []


def test_csrf_is_enforced_for_session_writes(parcels, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["planning_editor"])
    response = send(client, "post", url(parcels, "features"), {"geometry": SQUARE, "properties": {"name": "A"}})
    assert response.status_code == 403 and not Feature.objects.exists()


def test_history_restore_and_undelete(parcels, users):
    client = signed_in(users["planning_editor"])
    fid = send(client, "post", url(parcels, "features"), {"geometry": SQUARE, "properties": {"name": "A"}}).json()["id"]
    send(client, "put", url(parcels, "features", fid), {"properties": {"name": "B"}}, If_Match='"1"')
    history = client.get(url(parcels, "features", fid, "history")).json()["versions"]
    assert [(v["version"], v["properties"]["name"], v["user"]) for v in history] == [
        (2, "B", "p_editor"), (1, "A", "p_editor")]
    assert history[1]["geometry"]["type"] == "Polygon"

    stale = send(client, "post", url(parcels, "features", fid, "restore"), {"restore": 1, "version": 1})
    assert stale.status_code == 412
    restored = send(client, "post", url(parcels, "features", fid, "restore"), {"restore": 1, "version": 2})
    assert restored.status_code == 200 and restored.json()["version"] == 3
    assert restored.json()["properties"] == {"name": "A"}

    send(client, "delete", url(parcels, "features", fid), {"version": 3})
    deleted = client.get(url(parcels, "changes"), {"deleted": "1"}).json()["changes"]
    assert [(c["feature_id"], c["version"]) for c in deleted] == [(fid, 4)]
    back = send(client, "post", url(parcels, "changes", fid, "restore"))
    assert back.status_code == 201 and back.json()["id"] == fid and back.json()["version"] == 5
    assert send(client, "post", url(parcels, "changes", fid, "restore")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_exactly_one_wins(departments, users):
    layer = make_layer("parcels", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, schema=SCHEMA)
    feature = feature_create(layer=layer, geometry=GEOSGeometry(json.dumps(SQUARE), srid=4326),
                             properties={"name": "start"})
    editors = [users["planning_editor"], users["planning_manager"]] * 3
    barrier = threading.Barrier(len(editors))
    statuses: list[int] = []

    def save(user, n):
        try:
            client = signed_in(user)
            barrier.wait()
            response = send(client, "put", url(layer, "features", feature.pk),
                            {"properties": {"name": f"writer {n}"}}, If_Match='"1"')
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(user, n)) for n, user in enumerate(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * (len(editors) - 1)
    feature.refresh_from_db()
    assert feature.version == 2
    assert FeatureVersion.objects.filter(feature_id=feature.pk).count() == 2


def test_split_a_polygon_along_a_line(parcels, users):
    client = signed_in(users["planning_editor"])
    fid = send(client, "post", url(parcels, "features"), {"geometry": SQUARE, "properties": {"name": "A"}}).json()["id"]
    line = {"type": "LineString", "coordinates": [[126.605, 45.69], [126.605, 45.72]]}
    stale = send(client, "post", url(parcels, "features", fid, "split"), {"line": line, "version": 0})
    assert stale.status_code == 412
    miss = send(client, "post", url(parcels, "features", fid, "split"),
                {"line": {"type": "LineString", "coordinates": [[126.7, 45.69], [126.7, 45.72]]}, "version": 1})
    assert miss.status_code == 400 and "does not cut" in miss.json()["errors"]["geometry"]
    split = send(client, "post", url(parcels, "features", fid, "split"), {"line": line, "version": 1})
    assert split.status_code == 200
    parts = split.json()["features"]
    assert [p["id"] == fid for p in parts] == [True, False] and parts[0]["version"] == 2
    areas = sorted(Feature.objects.get(pk=p["id"]).geom.area for p in parts)
    assert areas == pytest.approx([0.00005, 0.00005], rel=1e-6)
    assert {p["properties"]["name"] for p in parts} == {"A"}
    assert list(FeatureVersion.objects.filter(layer=parcels).values_list("action", flat=True).order_by("id")) == [
        "create", "update", "create"]
