"""The REST API: layers, features (the map's contract), tokens, throttling and the OpenAPI schema."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.test import Client, override_settings

from layers.api.models import ApiToken
from layers.api.tokens import token_issue
from layers.models import Layer
from layers.services import FeatureInput, features_bulk_create
from tests.conftest import make_layer


def read(response) -> dict:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(raw)


@pytest.fixture
def hidden_layer(departments):
    layer = make_layer("staff-only", departments["education"], visibility=Layer.Visibility.DEPARTMENT)
    features_bulk_create(layer=layer, rows=[FeatureInput(Point(126.6, 45.7), {"name": "内部", "level": "primary"})])
    return layer


def test_map_contract_features_list(client, school_layer):
    response = client.get("/api/layers/schools/features/", HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert response.streaming  # sent as the rows are read, like the OGC items pages
    data = read(response)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    props = data["features"][0]["properties"]
    assert props["_name"] == "第1中学" and props["_version"] == 1 and props["level"] == "middle"


def test_layer_list_and_detail_hide_restricted_layers(client, school_layer, hidden_layer, users):
    slugs = {layer["slug"] for layer in client.get("/api/layers/").json()["layers"]}
    assert "schools" in slugs and "staff-only" not in slugs
    assert client.get("/api/layers/staff-only/").status_code == 404
    assert client.get("/api/layers/staff-only/features/").status_code == 404
    detail = client.get("/api/layers/schools/").json()
    assert detail["feature_count"] == 3 and detail["extent"] and detail["schema"][0]["name"] == "name"
    client.force_login(users["education_editor"])
    assert client.get("/api/layers/staff-only/features/").status_code == 200


def test_filters_and_keyset_pages(client, school_layer):
    near = read(client.get("/api/layers/schools/features/?near=126.65,45.76&distance=500"))
    assert [f["properties"]["name"] for f in near["features"]] == ["第2中学"]
    bbox = read(client.get("/api/layers/schools/features/?bbox=126.59,45.74,126.64,45.79"))
    assert {f["properties"]["name"] for f in bbox["features"]} == {"第1中学", "第3中学"}
    by_attr = read(client.get("/api/layers/schools/features/?pupils=300"))
    assert [f["properties"]["name"] for f in by_attr["features"]] == ["第3中学"]
    first = read(client.get("/api/layers/schools/features/?limit=2"))
    assert len(first["features"]) == 2 and first["next"]
    second = read(client.get(first["next"]))
    assert [f["properties"]["name"] for f in second["features"]] == ["第3中学"] and second["next"] is None
    for bad in ("bbox=1,2", "limit=0", "near=1,2", "pupils=x", "what=1"):
        assert client.get(f"/api/layers/schools/features/?{bad}").status_code == 400, bad


def test_token_scopes_and_writes(client, school_layer, hidden_layer, departments):
    _, reader = token_issue(name="registry", layers=[school_layer])
    _, writer = token_issue(name="approval", scope=ApiToken.Scope.WRITE, departments=[departments["education"]])
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.62, 45.74]},
            "properties": {"name": "新学校", "level": "primary"}}
    url = "/api/layers/schools/features/"
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert client.post(url, body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {reader}").status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION="Bearer gpt_nope_nope").status_code == 401
    created = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert created.status_code == 201, created.content
    feature_id = created.json()["id"]
    detail = f"{url}{feature_id}/"
    etag = client.get(detail)["ETag"]
    patched = client.patch(detail, {"properties": {"pupils": 10}}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {writer}", HTTP_IF_MATCH=etag)
    assert patched.status_code == 200 and patched.json()["properties"]["pupils"] == 10
    stale = client.patch(detail, {"properties": {"pupils": 11}}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {writer}", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    invalid = client.patch(detail, {"properties": {"level": "university"}}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert invalid.status_code == 400 and "level" in invalid.json()["errors"]
    # The department-scoped token also reads the department's restricted layer.
    assert client.get("/api/layers/staff-only/features/", HTTP_AUTHORIZATION=f"Bearer {writer}").status_code == 200
    assert client.get("/api/layers/staff-only/features/", HTTP_AUTHORIZATION=f"Bearer {reader}").status_code == 404
    assert client.delete(detail, HTTP_AUTHORIZATION=f"Bearer {writer}").status_code == 204
    token = ApiToken.objects.get(name="approval")
    assert token.last_used_at is not None
    token.revoked = True
    token.save()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {writer}").status_code == 401


def test_session_writes_need_csrf(school_layer, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["education_editor"])
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.62, 45.74]},
            "properties": {"name": "甲", "level": "primary"}}
    assert client.post("/api/layers/schools/features/", body, content_type="application/json").status_code == 403
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/layers/schools/features/", body, content_type="application/json",
                           HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_throttling_answers_429_with_retry_after(client, school_layer):
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    with override_settings(API_RATES={"anon": "3/min", "token": "3/min", "user": "3/min"}):
        codes = [client.get("/api/layers/", REMOTE_ADDR=address).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/api/layers/", REMOTE_ADDR=address)
        assert 1 <= int(response["Retry-After"]) <= 60
        assert client.get("/ogc/collections", REMOTE_ADDR=address).status_code == 429
        # The map services count against the same quota, and answer in their own exception format.
        for path in ("/wms?SERVICE=WMS&REQUEST=GetCapabilities", "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"):
            refused = client.get(path, REMOTE_ADDR=address)
            assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
            assert b"ExceptionReport" in refused.content and b"Too many requests" in refused.content


def test_a_high_rate_is_counted_in_batches_and_still_enforced(client, school_layer, monkeypatch):
    """At 200/min a process adds its count to Redis every 4 requests; the 201st request of the
    window is refused all the same (the window must not end mid-test: it starts on a minute)."""
    from layers.api import throttling

    while time.time() % 60 > 50:
        time.sleep(1)
    syncs = []
    real_sync = throttling._sync
    monkeypatch.setattr(throttling, "_sync", lambda *a: (syncs.append(1), real_sync(*a)))
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    with override_settings(API_RATES={"anon": "200/min", "token": "200/min", "user": "200/min"}):
        codes = [client.get("/ogc/conformance?f=json", REMOTE_ADDR=address).status_code for _ in range(201)]
    assert codes == [200] * 200 + [429]
    assert len(syncs) < 60


def test_schema_and_docs_from_local_static(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/layers/{slug}/features/" in paths and "post" in paths["/api/layers/{slug}/features/"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()


def test_security_admin_issues_a_token_shown_once(client, users, school_layer):
    admin_user = users["security_admin"]
    client.force_login(admin_user)
    response = client.post("/admin/layers_api/apitoken/add/",
                           {"name": "planning tools", "scope": "read", "layers": [school_layer.pk]}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if "gpt_" in str(m)]
    assert len(shown) == 1
    raw = shown[0].split(": ")[-1]
    token = ApiToken.objects.get(name="planning tools")
    assert raw not in token.token_hash and token.issued_by == admin_user
    assert client.get("/api/layers/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert raw not in client.get(f"/admin/layers_api/apitoken/{token.pk}/change/").content.decode()


@override_settings(CORS_ALLOWED_ORIGINS=["https://approval.example.gov.cn"])
def test_cors_lets_configured_origins_write_with_if_match(client, school_layer):
    preflight = client.options("/ogc/collections/schools/items/1", HTTP_ORIGIN="https://approval.example.gov.cn",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-match, content-crs")
    assert preflight["Access-Control-Allow-Origin"] == "https://approval.example.gov.cn"
    assert "if-match" in preflight["Access-Control-Allow-Headers"]
    other = client.get("/api/layers/", HTTP_ORIGIN="https://elsewhere.example.com")
    assert "Access-Control-Allow-Origin" not in other
