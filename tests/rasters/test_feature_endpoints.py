"""The feature endpoints answer a raster layer with a message saying where its pixels are, and a
hidden raster layer exactly as a missing one."""
from __future__ import annotations

import json

import pytest

from layers.models import Layer

pytestmark = pytest.mark.django_db

FEATURE_PATHS = ["/ogc/collections/{}/items", "/ogc/collections/{}/items/1", "/ogc/collections/{}/queryables",
                 "/api/layers/{}/features/", "/api/layers/{}/features/1/"]


@pytest.mark.parametrize("template", FEATURE_PATHS)
def test_feature_reads_of_a_raster_layer_point_to_its_tiles(client, elevation_layer, template):
    response = client.get(template.format(elevation_layer.slug), HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert "raster layer" in response.content.decode() and "/tiles/dem/" in response.content.decode()


def test_export_of_a_raster_layer_is_refused_with_a_message(client, elevation_layer):
    response = client.get(f"/api/layers/{elevation_layer.slug}/export?format=geojson")
    assert response.status_code == 400 and "raster layer" in response.json()["error"]


def test_feature_writes_to_a_raster_layer_are_refused(client, users, elevation_layer):
    client.force_login(users["planning_manager"])
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.6, 45.75]}, "properties": {}}
    for url in (f"/ogc/collections/{elevation_layer.slug}/items", f"/api/layers/{elevation_layer.slug}/features/"):
        response = client.post(url, data=json.dumps(feature), content_type="application/geo+json")
        assert response.status_code == 404 and "raster layer" in response.content.decode(), url


def test_the_collection_offers_no_items_but_the_layer_detail_describes_the_raster(client, elevation_layer):
    collection = client.get(f"/ogc/collections/{elevation_layer.slug}?f=json").json()
    rels = {link["rel"] for link in collection["links"]}
    assert "items" not in rels and "http://www.opengis.net/def/rel/ogc/1.0/map" in rels
    detail = client.get(f"/api/layers/{elevation_layer.slug}/").json()
    assert detail["kind"] == "raster" and detail["raster"]["kind"] == "elevation"
    assert detail["raster"]["value_range"] == elevation_layer.raster.value_range


@pytest.mark.parametrize("template", [*FEATURE_PATHS, "/api/layers/{}/export?format=geojson", "/api/layers/{}/"])
def test_a_hidden_raster_layer_answers_as_a_missing_one(client, elevation_layer, template):
    Layer.objects.filter(pk=elevation_layer.pk).update(visibility=Layer.Visibility.DEPARTMENT)
    hidden = client.get(template.format(elevation_layer.slug), HTTP_ACCEPT="application/json")
    missing = client.get(template.format("no-such-layer"), HTTP_ACCEPT="application/json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content.replace(b"dem", b"no-such-layer") == missing.content
