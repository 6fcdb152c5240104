"""The tile endpoints: MVT and GeoJSON tiles decoded by real clients, TileJSON, errors,
permissions, HTTP caching and the one-statement rule."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from layers.models import Layer
from layers.services import feature_create
from layers.tiles.grid import tile_at
from tests.conftest import make_layer
from tests.tiles_support import decode_mvt, ogrinfo_features, ogrinfo_summary

pytestmark = pytest.mark.usefixtures("clean_tile_cache")
SCHEMA = json.loads((Path(__file__).parent / "data" / "tilejson-3.0.0.schema.json").read_text())
# The three schools of the `school_layer` fixture sit in this z11 tile.
Z11 = tile_at(126.63, 45.76, 11)


def url(layer: str, tile, fmt: str = "mvt") -> str:
    return f"/tiles/{layer}/{tile.z}/{tile.x}/{tile.y}.{fmt}"


def test_mvt_tile_carries_the_layers_features_with_ids_and_typed_schema_properties(client, school_layer):
    feature = school_layer.features.get(name="第1中学")
    with connection.cursor() as cursor:  # a key outside the schema must never reach a tile
        cursor.execute("UPDATE layers_feature SET properties = properties || '{\"secret\": 1}' WHERE id = %s",
                       [feature.pk])
    response = client.get(url("schools", Z11))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    tile = decode_mvt(response.content)
    assert list(tile) == ["schools"]
    assert tile["schools"]["extent"] == 4096
    features = {f["id"]: f for f in tile["schools"]["features"]}
    assert set(features) == set(school_layer.features.values_list("pk", flat=True))
    decoded = features[feature.pk]["properties"]
    assert decoded == {"name": "第1中学", "level": "middle", "pupils": 100}
    assert isinstance(decoded["pupils"], int)
    assert features[feature.pk]["geometry"]["type"] == "Point"


def test_mvt_tile_read_by_gdal(client, school_layer, tmp_path):
    body = client.get(url("schools", Z11)).content
    summary = ogrinfo_summary(tmp_path, body, (Z11.z, Z11.x, Z11.y))
    assert "Layer name: schools" in summary
    assert f"Feature Count: {school_layer.features.count()}" in summary
    assert "pupils: Integer" in summary and "name: String" in summary
    assert "secret" not in summary
    detail = ogrinfo_features(tmp_path, body, (Z11.z, Z11.x, Z11.y))
    for feature in school_layer.features.all():
        assert f"mvt_id (Integer64) = {feature.pk}" in detail
        assert f"name (String) = {feature.properties['name']}" in detail
    assert "EPSG\",3857" in summary


def test_geojson_tile_is_a_clipped_feature_collection_of_schema_properties(client, school_layer):
    response = client.get(url("schools", Z11, "geojson"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in data["features"]}
    for feature in school_layer.features.all():
        served = by_id[feature.pk]
        assert served["properties"] == {
            key: feature.properties.get(key) for key in ("name", "pupils", "area_ha", "boarding", "founded", "level")
        }
        lon, lat = served["geometry"]["coordinates"]
        assert abs(lon - feature.geom.x) < 1e-5 and abs(lat - feature.geom.y) < 1e-5


def test_polygon_crossing_the_tile_edge_is_clipped_to_the_buffered_tile(client, departments):
    layer = make_layer("parks", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=[{"name": "name", "type": "string"}])
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.0, 45.0, 127.5, 46.5)), properties={"name": "大"})
    tile = tile_at(126.63, 45.76, 14)
    data = json.loads(client.get(url("parks", tile, "geojson")).content)
    ring = data["features"][0]["geometry"]["coordinates"][0]
    lons = [p[0] for p in ring]
    # A z14 tile is 0.022 degrees wide; the buffer adds 1/64 of that on each side.
    assert max(lons) - min(lons) < 0.022 * (1 + 2 / 64) + 1e-6
    mvt = decode_mvt(client.get(url("parks", tile)).content)
    assert len(mvt["parks"]["features"]) == 1


def test_empty_tiles_answer_204_in_both_formats(client, school_layer):
    far = tile_at(10.0, 10.0, 11)
    for fmt in ("mvt", "geojson"):
        response = client.get(url("schools", far, fmt))
        assert response.status_code == 204
        assert response.content == b""
        assert response["ETag"]


@pytest.mark.parametrize(
    "path, status",
    [
        ("/tiles/schools/x/1/1.mvt", 400),
        ("/tiles/schools/3/1.5/1.mvt", 400),
        ("/tiles/schools/3/1/%201.mvt", 400),
        ("/tiles/schools/3/1/1e3.geojson", 400),
        ("/tiles/schools/99999999999999999999/1/1.mvt", 400),
        ("/tiles/schools/-1/0/0.mvt", 404),
        ("/tiles/schools/3/-1/0.mvt", 404),
        ("/tiles/schools/3/0/8.mvt", 404),
        ("/tiles/schools/25/0/0.mvt", 404),
        ("/tiles/schools/12/99999999999/0.geojson", 404),
    ],
)
def test_bad_tile_addresses_are_client_errors_with_a_message(client, school_layer, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["error"]


def test_zooms_outside_the_layers_range_are_404_with_a_message(client, school_layer):
    Layer.objects.filter(pk=school_layer.pk).update(min_zoom=10, max_zoom=16)
    for z in (9, 17):
        tile = tile_at(126.63, 45.76, z)
        response = client.get(url("schools", tile))
        assert response.status_code == 404
        assert "zoom 10 to 16" in response.json()["error"]
    assert client.get(url("schools", tile_at(126.63, 45.75, 16))).status_code == 200


def test_hidden_layer_answers_exactly_like_a_missing_one(client, departments, users):
    layer = make_layer("clinics", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    feature_create(layer=layer, geometry=Point(126.63, 45.76, srid=4326),
                   properties={"name": "诊所", "level": "primary"})
    for path in (url("clinics", Z11), url("clinics", Z11, "geojson"), "/tiles/clinics.json"):
        hidden = client.get(path)
        missing = client.get(path.replace("clinics", "nowhere"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
    client.force_login(users["education_editor"])
    assert client.get(url("clinics", Z11)).status_code == 404
    client.force_login(users["planning_editor"])
    response = client.get(url("clinics", Z11))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert len(decode_mvt(response.content)["clinics"]["features"]) == 1
    client.force_login(users["admin"])
    assert client.get("/tiles/clinics.json").status_code == 200


def test_etag_and_304_and_public_cache_control(client, school_layer):
    first = client.get(url("schools", Z11))
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"].startswith("public")
    again = client.get(url("schools", Z11), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == first["Cache-Control"]
    other = client.get(url("schools", Z11), HTTP_IF_NONE_MATCH='"0000000000000000"')
    assert other.status_code == 200
    geojson = client.get(url("schools", Z11, "geojson"))
    assert geojson["ETag"] != etag


def test_one_tile_is_one_statement_plus_the_permission_lookup(client, school_layer, django_assert_num_queries):
    with django_assert_num_queries(2) as captured:
        response = client.get(url("schools", Z11))
    assert response["X-Tile-Cache"] == "miss"
    assert "ST_AsMVT(" in captured.captured_queries[1]["sql"]
    with django_assert_num_queries(2) as captured:
        client.get(url("schools", Z11, "geojson"))
    assert "json_agg" in captured.captured_queries[1]["sql"]
    with django_assert_num_queries(1):
        assert client.get(url("schools", Z11))["X-Tile-Cache"] == "hit"


def test_tilejson_validates_and_describes_the_layer(client, school_layer):
    response = client.get("/tiles/schools.json")
    assert response.status_code == 200
    document = response.json()
    jsonschema.validate(document, SCHEMA)
    assert document["tiles"] == ["http://testserver/tiles/schools/{z}/{x}/{y}.mvt"]
    assert document["geojson_tiles"] == ["http://testserver/tiles/schools/{z}/{x}/{y}.geojson"]
    assert document["minzoom"] <= document["center"][2] <= document["maxzoom"]
    west, south, east, north = document["bounds"]
    assert west <= 126.60 and east >= 126.65 and south <= 45.75 and north >= 45.78
    (vector_layer,) = document["vector_layers"]
    assert vector_layer["id"] == "schools"
    assert vector_layer["fields"] == {"name": "String", "pupils": "Number", "area_ha": "Number",
                                      "boarding": "Boolean", "founded": "String", "level": "String"}
    template = document["tiles"][0].replace("http://testserver", "")
    tile_url = template.format(z=Z11.z, x=Z11.x, y=Z11.y)
    assert client.get(tile_url).status_code == 200
