"""Managers create and change layers (metadata, style, schema with dry run, grants); every change
is in the audit log, which managers and administrators read and filter."""
from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.test import Client

from geoportal.accounts.models import User
from layers.history.models import AuditLog
from layers.io.importer import _unique_slug
from layers.models import Feature, Layer
from layers.permissions import user_can
from layers.services import feature_create
from tests.conftest import make_layer, make_user

SCHEMA = [{"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name"},
          {"name": "beds", "type": "string", "label_zh": "床位", "label_en": "Beds"}]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def clinics(departments):
    layer = make_layer("clinics", departments["planning"], schema=SCHEMA)
    for name, beds in (("甲", "12"), ("乙", "30"), ("丙", "many")):
        feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": name, "beds": beds})
    return layer


def test_manager_creates_a_layer(users, departments):
    client = signed_in(users["planning_manager"])
    created = send(client, "post", "/api/edit/layers/", {
        "slug": "bike-lanes", "title_zh": "自行车道", "title_en": "Bike lanes", "geometry_type": "line",
        "visibility": "staff", "schema": [{"name": "width", "type": "decimal"}], "style": {"stroke": "#ff0000"},
        "min_zoom": 10, "max_zoom": 18, "department": "education"})
    assert created.status_code == 201, created.content
    layer = Layer.objects.get(slug="bike-lanes")
    assert layer.department == departments["planning"] and layer.style["stroke"] == "#ff0000"
    assert AuditLog.objects.get(layer=layer).action == "layer.create"
    bad = send(client, "post", "/api/edit/layers/", {"slug": "x y", "title_zh": "", "geometry_type": "blob"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) >= {"slug"}
    zoom = send(client, "post", "/api/edit/layers/", {"slug": "zz", "title_zh": "z", "geometry_type": "point",
                                                      "min_zoom": 15, "max_zoom": 3})
    assert zoom.status_code == 400
    assert send(signed_in(users["planning_editor"]), "post", "/api/edit/layers/",
                {"slug": "mine", "title_zh": "我的", "geometry_type": "point"}).status_code == 403


def test_the_catalogue_name_is_reserved(users, departments):
    """/ogc/collections/catalogue is the resource catalogue: no layer may take its name."""
    client = signed_in(users["planning_manager"])
    refused = send(client, "post", "/api/edit/layers/",
                   {"slug": "catalogue", "title_zh": "目录", "geometry_type": "point"})
    assert refused.status_code == 400 and "taken by the platform" in refused.json()["errors"]["slug"]
    assert _unique_slug("catalogue") == "catalogue-2"
    with pytest.raises(IntegrityError), transaction.atomic():
        make_layer("catalogue", departments["planning"])
    assert not Layer.objects.filter(slug="catalogue").exists()


def test_metadata_and_style_changes_are_audited(clinics, users):
    client = signed_in(users["planning_manager"])
    response = send(client, "patch", "/api/edit/layers/clinics/", {
        "title_en": "Clinics", "visibility": "department", "style": {"fill": "#00ff00", "weight": 3},
        "schema": SCHEMA, "title_zh": clinics.title_zh})
    assert response.status_code == 200 and response.json()["visibility"] == "department"
    bad_style = send(client, "patch", "/api/edit/layers/clinics/", {"style": {"fill": "green"}})
    assert bad_style.status_code == 400 and "style.fill" in bad_style.json()["errors"]
    bad_choice = send(client, "patch", "/api/edit/layers/clinics/", {"visibility": "everyone"})
    assert bad_choice.status_code == 400 and "visibility" in bad_choice.json()["errors"]
    assert send(client, "patch", "/api/edit/layers/clinics/", {"geometry_type": "polygon"}).status_code == 400
    assert send(signed_in(users["planning_editor"]), "patch", "/api/edit/layers/clinics/",
                {"title_en": "x"}).status_code == 403
    actions = list(AuditLog.objects.filter(layer=clinics).order_by("id").values_list("action", flat=True))
    assert actions == ["layer.update", "style.update"]
    meta = AuditLog.objects.get(layer=clinics, action="layer.update").changes
    assert meta == {"title_en": ["clinics layer", "Clinics"], "visibility": ["public", "department"]}


def test_schema_retype_dry_run_lists_failures_and_rename_moves_values(clinics, users):
    client = signed_in(users["planning_manager"])
    retyped = [SCHEMA[0], {**SCHEMA[1], "type": "integer"}]
    trial = send(client, "post", "/api/edit/layers/clinics/schema/dry-run/", {"schema": retyped}).json()
    bad = Feature.objects.get(layer=clinics, properties__beds="many")
    assert trial == {"checked": 3, "failed": 1, "failures": [{"feature_id": bad.pk, "errors": {
        "beds": "Enter a whole number."}}]}
    refused = send(client, "patch", "/api/edit/layers/clinics/", {"schema": retyped})
    assert refused.status_code == 400 and refused.json()["failures"][0]["feature_id"] == bad.pk
    assert Layer.objects.get(pk=clinics.pk).schema == SCHEMA

    renamed = [{**SCHEMA[0], "name": "title"}, SCHEMA[1], {"name": "open", "type": "boolean"}]
    ok = send(client, "patch", "/api/edit/layers/clinics/", {"schema": renamed, "renames": {"name": "title"}})
    assert ok.status_code == 200
    clinics.refresh_from_db()
    assert clinics.name_field == "title"
    assert sorted(f.properties["title"] for f in Feature.objects.filter(layer=clinics)) == ["丙", "乙", "甲"]
    assert AuditLog.objects.get(layer=clinics, action="schema.update").changes["renames"] == {"name": "title"}


def test_grants_through_the_api_and_audit_log_filters(clinics, users):
    manager = signed_in(users["planning_manager"])
    granted = send(manager, "post", "/api/edit/layers/clinics/grants/", {"department": "education", "level": "edit"})
    assert granted.json()["grants"] == [{"department": "education", "user": None, "level": "edit"}]
    assert user_can(users["education_editor"], "edit", clinics)
    send(manager, "delete", "/api/edit/layers/clinics/grants/", {"department": "education"})
    assert not user_can(users["education_editor"], "edit", clinics)
    assert send(manager, "post", "/api/edit/layers/clinics/grants/", {"user": "nobody", "level": "edit"}
                ).status_code == 400

    entries = manager.get("/api/edit/audit/", {"layer": "clinics", "action": "grant.set"}).json()["entries"]
    assert [(e["action"], e["actor"], e["changes"]) for e in entries] == [
        ("grant.set", "p_manager", {"department:education": [None, "edit"]})]
    assert len(manager.get("/api/edit/audit/", {"actor": "p_manager"}).json()["entries"]) == 2
    assert manager.get("/api/edit/audit/", {"since": "2999-01-01"}).json()["entries"] == []
    assert signed_in(users["planning_editor"]).get("/api/edit/audit/").status_code == 403
    # Another department's manager does not see this layer's entries; the audit administrator does,
    # and the system administrator reads none (separation of duties).
    e_manager = make_user("e_manager", department=users["education_editor"].department, role=User.Role.MANAGER)
    assert signed_in(e_manager).get("/api/edit/audit/").json()["entries"] == []
    assert len(signed_in(users["audit_admin"]).get("/api/edit/audit/").json()["entries"]) == 2
    assert signed_in(users["admin"]).get("/api/edit/audit/").status_code == 403
