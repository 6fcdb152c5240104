"""A raster layer's style through the layer management API: checked against the raster shape, audited."""
from __future__ import annotations

import json

import pytest

from layers.history.models import AuditLog

pytestmark = pytest.mark.django_db

RAMP = [[110, "#2B8A3E"], [200, "#d8d25a"], [300, "#f1ece4"]]


def patch(client, slug, body):
    return client.patch(f"/api/edit/layers/{slug}/", data=json.dumps(body), content_type="application/json")


def test_elevation_style_saved_cleaned_and_audited(client, users, elevation_layer):
    client.force_login(users["planning_manager"])
    style = {"opacity": 0.8, "raster": {"ramp": RAMP, "hillshade": False, "hillshade_opacity": 0.3}}
    response = patch(client, elevation_layer.slug, {"style": style})
    assert response.status_code == 200, response.content
    elevation_layer.refresh_from_db()
    assert elevation_layer.style == {"opacity": 0.8, "raster": {
        "ramp": [[110.0, "#2b8a3e"], [200.0, "#d8d25a"], [300.0, "#f1ece4"]], "hillshade": False,
        "hillshade_opacity": 0.3}}
    assert AuditLog.objects.filter(layer=elevation_layer, action=AuditLog.Action.STYLE_UPDATE).count() == 1


@pytest.mark.parametrize("raster, message", [
    ({"ramp": [[110, "#2b8a3e"]]}, "at least two stops"),
    ({"ramp": [[200, "#2b8a3e"], [110, "#ffffff"]]}, "must increase"),
    ({"ramp": [[110, "green"], [200, "#ffffff"]]}, "stop 1"),
    ({"ramp": RAMP, "hillshade": "yes"}, "true or false"),
    ({"ramp": RAMP, "hillshade_opacity": 2}, "hillshade_opacity must be a number from 0 to 1"),
    ({"ramp": RAMP, "gamma": 2}, "Unknown keys in style.raster: gamma"),
])
def test_bad_elevation_styles_refused_with_the_part_named(client, users, elevation_layer, raster, message):
    client.force_login(users["planning_manager"])
    before = elevation_layer.style
    response = patch(client, elevation_layer.slug, {"style": {"opacity": 1, "raster": raster}})
    assert response.status_code == 400 and message in response.json()["errors"]["style"]
    elevation_layer.refresh_from_db()
    assert elevation_layer.style == before


def test_imagery_takes_opacity_but_no_ramp_nor_vector_keys(client, users, imagery_layer):
    client.force_login(users["planning_manager"])
    assert patch(client, imagery_layer.slug, {"style": {"opacity": 0.5}}).status_code == 200
    imagery_layer.refresh_from_db()
    assert imagery_layer.style == {"opacity": 0.5}
    ramp = patch(client, imagery_layer.slug, {"style": {"raster": {"ramp": RAMP}}})
    assert ramp.status_code == 400 and "elevation layers only" in ramp.json()["errors"]["style"]
    vector = patch(client, imagery_layer.slug, {"style": {"stroke": "#ff0000"}})
    assert vector.status_code == 400 and "stroke" in vector.json()["errors"]["style"]
    schema = patch(client, imagery_layer.slug, {"schema": [{"name": "a", "type": "text"}]})
    assert schema.status_code == 400 and "no attribute schema" in schema.json()["errors"]["schema"]


def test_an_editor_cannot_restyle(client, users, elevation_layer):
    client.force_login(users["planning_editor"])
    assert patch(client, elevation_layer.slug, {"style": {"opacity": 0.2}}).status_code in (403, 404)
