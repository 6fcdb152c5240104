"""OGC API - Features Part 4 with API tokens: create, read back, replace, stale 412, update, delete."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from layers.api.models import ApiToken
from layers.api.tokens import token_issue
from layers.models import Feature
from layers.ogcapi.crs import epsg_uri

ITEMS = "/ogc/collections/schools/items"


def feature(lon: float, lat: float, **properties) -> str:
    return json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                       "properties": properties})


@pytest.fixture
def tokens(school_layer):
    _, writer = token_issue(name="approval centre", scope=ApiToken.Scope.WRITE, layers=[school_layer])
    _, reader = token_issue(name="registry", scope=ApiToken.Scope.READ, layers=[school_layer])
    return {"write": f"Bearer {writer}", "read": f"Bearer {reader}"}


def test_round_trip_with_a_token(client, tokens, school_layer):
    auth = {"HTTP_AUTHORIZATION": tokens["write"]}
    created = client.post(ITEMS, feature(126.61, 45.74, name="新建小学", level="primary", pupils=50),
                          content_type="application/geo+json", **auth)
    assert created.status_code == 201, created.content
    location = created["Location"]
    assert location.startswith("http://testserver/ogc/collections/schools/items/")
    path = location.removeprefix("http://testserver")

    read_back = client.get(path)
    assert read_back.status_code == 200
    assert read_back.json()["properties"]["name"] == "新建小学"
    assert read_back.json()["geometry"]["coordinates"] == [126.61, 45.74]
    etag = read_back["ETag"]

    replaced = client.put(path, feature(126.62, 45.745, name="新建小学", level="middle"),
                          content_type="application/geo+json", HTTP_IF_MATCH=etag, **auth)
    assert replaced.status_code == 200 and replaced["ETag"] != etag
    assert replaced.json()["properties"]["pupils"] is None  # replaced, not merged

    stale = client.put(path, feature(126.63, 45.745, name="过期", level="middle"),
                       content_type="application/geo+json", HTTP_IF_MATCH=etag, **auth)
    assert stale.status_code == 412 and stale["ETag"] == replaced["ETag"]

    patched = client.patch(path, json.dumps({"properties": {"pupils": 77}}), content_type="application/json",
                           HTTP_IF_MATCH=replaced["ETag"], **auth)
    assert patched.status_code == 200
    assert patched.json()["properties"] == {**replaced.json()["properties"], "pupils": 77}

    invalid = client.patch(path, json.dumps({"properties": {"level": "college"}}), content_type="application/json",
                           **auth)
    assert invalid.status_code == 400 and "level" in invalid.json()["errors"]
    outside = client.post(ITEMS, feature(116.4, 39.9, name="北京", level="primary"),
                          content_type="application/geo+json", **auth)
    assert outside.status_code == 400 and "geometry" in outside.json()["errors"]

    assert client.delete(path, HTTP_IF_MATCH=replaced["ETag"], **auth).status_code == 412
    assert client.delete(path, HTTP_IF_MATCH=patched["ETag"], **auth).status_code == 204
    assert client.get(path).status_code == 404


def test_content_crs_lat_lon_input(client, tokens):
    created = client.post(ITEMS, feature(45.74, 126.61, name="纬度在前", level="primary"),
                          content_type="application/geo+json", HTTP_CONTENT_CRS=f"<{epsg_uri(4326)}>",
                          HTTP_AUTHORIZATION=tokens["write"])
    assert created.status_code == 201, created.content
    stored = Feature.objects.get(pk=created.json()["id"])
    assert (round(stored.geom.x, 6), round(stored.geom.y, 6)) == (126.61, 45.74)


def test_no_token_401_read_only_token_403(client, tokens, school_layer):
    body = feature(126.61, 45.74, name="x", level="primary")
    anonymous = client.post(ITEMS, body, content_type="application/geo+json")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    read_only = client.post(ITEMS, body, content_type="application/geo+json", HTTP_AUTHORIZATION=tokens["read"])
    assert read_only.status_code == 403
    existing = school_layer.features.first().pk
    assert client.delete(f"{ITEMS}/{existing}", HTTP_AUTHORIZATION=tokens["read"]).status_code == 403
    assert client.delete(f"{ITEMS}/{existing}", HTTP_AUTHORIZATION="Bearer gpt_x_y").status_code == 401
    assert Feature.objects.filter(pk=existing).exists()


def test_session_writes_need_csrf(school_layer, users):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["education_editor"])
    body = feature(126.61, 45.74, name="会话", level="primary")
    assert browser.post(ITEMS, body, content_type="application/geo+json").status_code == 403
    browser.get("/")
    created = browser.post(ITEMS, body, content_type="application/geo+json",
                           HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert created.status_code == 201
    assert Feature.objects.get(pk=created.json()["id"]).created_by == users["education_editor"]
