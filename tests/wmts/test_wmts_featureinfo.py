"""WMTS GetFeatureInfo, KVP and RESTful: the features under a pixel of a tile, in every InfoFormat,
through the templates the capabilities advertise (read by OWSLib) and GDAL's WMTS driver."""
from __future__ import annotations

import json
import subprocess
import urllib.request
from xml.etree import ElementTree

import pytest
from django.contrib.gis.geos import Point
from owslib.wmts import WebMapTileService

from layers.services import feature_create
from layers.tiles.matrixsets import matrix_set, tile_bounds, tiles_covering
from tests.wmts.test_wmts import SCHOOL, exception_of, mercator

pytestmark = [pytest.mark.usefixtures("clean_tile_cache"), pytest.mark.django_db(transaction=True)]


def pixel_of(grid_id: str, level: int, lon: float, lat: float) -> dict[str, str]:
    """TILEROW/TILECOL/I/J of a lon/lat point in a tile of `grid_id`."""
    grid = matrix_set(grid_id)
    col, row, _, _ = tiles_covering(grid, (lon, lat, lon, lat), level)
    west, south, east, north = tile_bounds(grid, level, row, col)
    if grid.epsg == 3857:
        lon, lat = mercator(lon, lat)
    i = int((lon - west) / (east - west) * 256)
    j = int((north - lat) / (north - south) * 256)
    return {"tilerow": str(row), "tilecol": str(col), "i": str(i), "j": str(j)}


def feature_info(client, grid_id: str, level: int, lon: float, lat: float, info_format: str, **extra):
    return client.get("/wmts", {"service": "WMTS", "request": "GetFeatureInfo", "version": "1.0.0",
                                "layer": "schools", "style": "default", "format": "image/png",
                                "tilematrixset": grid_id, "tilematrix": str(level), "infoformat": info_format,
                                **pixel_of(grid_id, level, lon, lat), **extra})


@pytest.mark.parametrize("grid_id", ["c", "w", "WebMercatorQuad"])
def test_the_feature_under_the_pixel_is_answered_in_json_in_each_matrix_set(client, school_layer, grid_id):
    response = feature_info(client, grid_id, 15, *SCHOOL, "application/json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    features = json.loads(response.content)["features"]
    assert [f["properties"]["name"] for f in features] == ["第1中学"]
    assert set(features[0]["properties"]) <= {"name", "pupils", "area_ha", "boarding", "founded", "level"}
    # A pixel of the same tile far from every school finds nothing.
    empty = client.get("/wmts", {**{k: v for k, v in response.wsgi_request.GET.items()}, "i": "0", "j": "0"})
    assert json.loads(empty.content)["features"] == []


def test_html_and_xml_answers_escape_what_the_features_hold(client, school_layer):
    feature_create(layer=school_layer, geometry=Point(126.61, 45.77, srid=4326),
                   properties={"name": "<script>alert(1)</script>", "level": "middle"})
    page = feature_info(client, "c", 16, 126.61, 45.77, "text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert b"<script>alert" not in page.content and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    xml = feature_info(client, "c", 16, 126.61, 45.77, "text/xml")
    assert xml.status_code == 200
    names = [e.text for e in ElementTree.fromstring(xml.content).iter() if e.tag == "name"]
    assert names == ["<script>alert(1)</script>"]


def test_the_restful_template_of_the_capabilities_answers_as_the_kvp_request(live_server, school_layer):
    service = WebMapTileService(f"{live_server.url}/wmts")
    layer = service.contents["schools"]
    assert {"text/html", "application/json", "text/xml"} <= set(layer.infoformats)
    operations = {op.name for op in service.operations}
    assert "GetFeatureInfo" in operations
    template = next(r["template"] for r in layer.resourceURLs
                    if r["resourceType"] == "FeatureInfo" and r["format"] == "application/json")
    where = pixel_of("c", 15, *SCHOOL)
    url = (template.replace("{Style}", "default").replace("{TileMatrixSet}", "c").replace("{TileMatrix}", "15")
           .replace("{TileRow}", where["tilerow"]).replace("{TileCol}", where["tilecol"])
           .replace("{J}", where["j"]).replace("{I}", where["i"]))
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"] == "application/json"
        features = json.load(response)["features"]
    assert [f["properties"]["name"] for f in features] == ["第1中学"]


def test_gdal_wmts_driver_reads_the_feature_info_of_a_location(live_server, school_layer, tmp_path):
    # WebMercatorQuad: GDAL turns `c`'s scale denominators into slightly different resolutions (docs/wmts.md),
    # which at level 15 puts its pixel tiles away from the point asked for. The dataset GDAL opens is the
    # layer's extent, which the three schools span: the point asked for lies inside it.
    lon, lat = 126.62, 45.765
    feature_create(layer=school_layer, geometry=Point(lon, lat, srid=4326),
                   properties={"name": "第4中学", "level": "middle"})
    result = subprocess.run(
        ["gdallocationinfo", "-wgs84", "-xml", "-b", "1",
         f"WMTS:{live_server.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities,layer=schools,"
         "tilematrixset=WebMercatorQuad,tilematrix=15", str(lon), str(lat)],
        capture_output=True, timeout=120, text=True,
        env={"GDAL_HTTP_TIMEOUT": "30", "PATH": "/usr/bin:/bin", "GDAL_DEFAULT_WMS_CACHE_PATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    report = ElementTree.fromstring(result.stdout)
    info = next(e.text for e in report.iter("LocationInfo"))
    assert [f["properties"]["name"] for f in json.loads(info)["features"]] == ["第4中学"]


@pytest.mark.parametrize(("extra", "code", "locator"), [
    ({"i": "256"}, "PointIJOutOfRange", "I"),
    ({"j": "-1"}, "PointIJOutOfRange", "J"),
    ({"infoformat": "image/png"}, "InvalidParameterValue", "InfoFormat"),
    ({"layer": "nowhere"}, "InvalidParameterValue", "LAYER"),
    ({"tilematrix": "99"}, "InvalidParameterValue", "TileMatrix"),
])
def test_bad_requests_are_ows_exception_reports(client, school_layer, extra, code, locator):
    response = feature_info(client, "c", 15, *SCHOOL, "application/json", **extra)
    assert response.status_code == 400
    assert exception_of(response) == (code, locator)


def test_a_hidden_layer_answers_as_a_missing_one_and_a_token_opens_it(client, hidden_layer, hidden_token):
    where = pixel_of("c", 15, 126.64, 45.76)
    path = "/wmts/1.0.0/{}/default/c/15/{tilerow}/{tilecol}/{j}/{i}.json"
    hidden = client.get(path.format("planning-secret", **where))
    missing = client.get(path.format("planning-secreu", **where))
    assert hidden.status_code == missing.status_code == 400
    assert hidden.content.replace(b"planning-secret", b"X") == missing.content.replace(b"planning-secreu", b"X")
    opened = client.get(path.format("planning-secret", **where), {"token": hidden_token})
    assert opened.status_code == 200
    assert [f["properties"]["name"] for f in json.loads(opened.content)["features"]] == ["内部"]
    assert opened["Cache-Control"].startswith("private")
