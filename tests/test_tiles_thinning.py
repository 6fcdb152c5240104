"""What a tile leaves out, and why: the density budget, the one-pixel size rule, simplification."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.test import override_settings

from layers.models import Layer
from layers.services import FeatureInput, feature_create, features_bulk_create
from layers.tiles.grid import tile_at
from tests.conftest import make_layer
from tests.tiles_support import decode_mvt

pytestmark = pytest.mark.usefixtures("clean_tile_cache")
SCHEMA = [{"name": "name", "type": "string"}]


def mvt_features(client, slug, tile, fmt="mvt"):
    response = client.get(f"/tiles/{slug}/{tile.z}/{tile.x}/{tile.y}.{fmt}")
    if response.status_code == 204:
        return []
    if fmt == "geojson":
        return response.json()["features"]
    return decode_mvt(response.content)[slug]["features"]


@override_settings(TILE_MAX_FEATURES=64)
def test_dense_point_tiles_are_thinned_to_the_budget_by_a_stable_id_rule(client, departments, clean_tile_cache):
    layer = make_layer("shops", departments["planning"], schema=SCHEMA)
    rows = [FeatureInput(Point(126.60 + (i % 30) * 0.001, 45.74 + (i // 30) * 0.001, srid=4326), {"name": f"店{i}"})
            for i in range(600)]
    features_bulk_create(layer=layer, rows=rows)
    tile = tile_at(126.615, 45.75, 12)
    kept = mvt_features(client, "shops", tile)
    ids = sorted(f["id"] for f in kept)
    assert 32 < len(ids) <= 64  # 600 points -> every 16th id
    assert all(i % 16 == 0 for i in ids)
    clean_tile_cache.clear()
    assert sorted(f["id"] for f in mvt_features(client, "shops", tile)) == ids
    # GeoJSON gets a quarter of the budget: a subset of the MVT features.
    geojson_ids = {f["id"] for f in mvt_features(client, "shops", tile, "geojson")}
    assert 0 < len(geojson_ids) <= 16 and geojson_ids <= set(ids)
    # Deep enough, nothing is thinned.
    z18 = tile_at(126.60, 45.74, 18)
    assert len(mvt_features(client, "shops", z18)) == layer.features.filter(geom__intersects=Polygon.from_bbox(
        (126.5995, 45.7395, 126.6005, 45.7405))).count() >= 1


def test_polygons_smaller_than_a_pixel_are_left_out_until_they_are_not(client, departments):
    layer = make_layer("sheds", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, schema=SCHEMA)
    # About 10 m across: below one pixel (~76 m) at z11, above it (~1.2 m) at z17.
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.63, 45.75, 126.63013, 45.75009)),
                   properties={"name": "小屋"})
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.60, 45.70, 126.70, 45.80)),
                   properties={"name": "大院"})
    names_z11 = {f["properties"]["name"] for f in mvt_features(client, "sheds", tile_at(126.63, 45.75, 11))}
    assert names_z11 == {"大院"}
    names_z17 = {f["properties"]["name"] for f in mvt_features(client, "sheds", tile_at(126.63005, 45.75005, 17))}
    assert names_z17 == {"小屋", "大院"}


def test_detailed_geometries_are_simplified_at_low_zoom(client, departments):
    layer = make_layer("lakes", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, schema=SCHEMA)
    circle = Point(126.63, 45.75, srid=4326).buffer(0.05, quadsegs=500)  # 2,000 vertices
    feature = feature_create(layer=layer, geometry=circle, properties={"name": "湖"})
    low = mvt_features(client, "lakes", tile_at(126.63, 45.75, 8), "geojson")
    low_vertices = len(low[0]["geometry"]["coordinates"][0])
    assert low_vertices < feature.geom.num_points / 10
    assert low_vertices >= 16
    mvt = mvt_features(client, "lakes", tile_at(126.63, 45.75, 8))
    assert len(mvt) == 1 and mvt[0]["geometry"]["type"] == "Polygon"


@override_settings(TILE_MAX_FEATURES=1000)
def test_dense_tiles_are_read_from_the_id_samples(client, departments, clean_tile_cache, monkeypatch):
    """Past SAMPLE_ROWS features meeting the tile only the one-in-8 sample is read, past eight
    times that the one-in-32 sample, and the step is at least the sample's; below, every
    candidate is counted."""
    from layers.tiles import queries

    layer = make_layer("kiosks", departments["planning"], schema=SCHEMA)
    rows = [FeatureInput(Point(126.60 + (i % 40) * 0.0005, 45.74 + (i // 40) * 0.0005, srid=4326), {"name": f"亭{i}"})
            for i in range(1200)]
    features_bulk_create(layer=layer, rows=rows)
    every = sorted(layer.features.values_list("id", flat=True))
    tile = tile_at(126.61, 45.745, 11)  # holds every kiosk

    def kept(fmt="mvt"):
        clean_tile_cache.clear()
        return {f["id"] for f in mvt_features(client, "kiosks", tile, fmt)}

    # 1,200 counted against a budget of 1,000: every second id (GeoJSON, 250: every eighth).
    assert kept() == {i for i in every if i % 2 == 0}
    assert kept("geojson") == {i for i in every if i % 8 == 0}
    monkeypatch.setattr(queries, "SAMPLE_ROWS", 1000)  # 1,200 > 1,000: the one-in-8 sample, step 8
    assert kept() == {i for i in every if i % 8 == 0}
    monkeypatch.setattr(queries, "SAMPLE_ROWS", 100)  # 1,200 > 8 × 100: the one-in-32 sample, step 32
    assert kept() == {i for i in every if i % 32 == 0}
    assert kept("geojson") == {i for i in every if i % 32 == 0}
