"""WMTS 1.0.0 through real clients (OWSLib, GDAL's WMTS driver) and every exception code."""
from __future__ import annotations

import json
import math
import subprocess
import urllib.request
from xml.etree import ElementTree

import pytest
from django.contrib.gis.geos import Point
from osgeo import gdal
from owslib.wmts import WebMapTileService

from layers.services import feature_create
from layers.tiles.matrixsets import matrix_set, tiles_covering

gdal.UseExceptions()
OWS = "{http://www.opengis.net/ows/1.1}"
WMTS = "{http://www.opengis.net/wmts/1.0}"
SCHOOL = (126.63, 45.75)  # the first school of tests.conftest.school_layer
# MapServer reads PostGIS through a connection of its own: the test's rows must be committed.
pytestmark = [pytest.mark.usefixtures("clean_tile_cache"), pytest.mark.django_db(transaction=True)]


def c_tile(level: int, lon: float, lat: float) -> tuple[int, int]:
    col, row, _, _ = tiles_covering(matrix_set("c"), (lon, lat, lon, lat), level)
    return row, col


def opaque_pixels(body: bytes) -> int:
    """Pixels with some alpha, read by GDAL from the image itself."""
    gdal.FileFromMemBuffer("/vsimem/tile", body)
    try:
        ds = gdal.Open("/vsimem/tile")
        alpha = ds.GetRasterBand(ds.RasterCount).ReadRaster()
        return sum(1 for value in alpha if value)
    finally:
        gdal.Unlink("/vsimem/tile")


def exception_of(response) -> tuple[str, str]:
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{OWS}ExceptionReport"
    exc = root.find(f"{OWS}Exception")
    return exc.get("exceptionCode"), exc.get("locator", "")


def test_owslib_reads_the_capabilities_and_fetches_tiles_kvp_and_rest(live_server, school_layer, hidden_layer):
    service = WebMapTileService(f"{live_server.url}/wmts")
    assert "schools" in service.contents and "planning-secret" not in service.contents
    assert set(service.tilematrixsets) == {"WebMercatorQuad", "c", "w"}
    c = service.tilematrixsets["c"]
    assert c.crs == "urn:ogc:def:crs:EPSG::4490"
    assert c.tilematrix["1"].scaledenominator == pytest.approx(2.958293554545656e8, rel=1e-15)
    assert c.tilematrix["1"].topleftcorner == (90.0, -180.0)
    assert (c.tilematrix["1"].matrixwidth, c.tilematrix["1"].matrixheight) == (2, 1)
    assert c.tilematrix["18"].scaledenominator == pytest.approx(2.958293554545656e8 / 2 ** 17, rel=1e-15)
    layer = service.contents["schools"]
    assert set(layer.tilematrixsetlinks) == {"WebMercatorQuad", "c", "w"}
    assert {"image/png", "image/jpeg", "image/webp"} <= set(layer.formats)
    row, col = c_tile(14, *SCHOOL)
    limits = layer.tilematrixsetlinks["c"].tilematrixlimits["14"]
    assert limits.mintilerow <= row <= limits.maxtilerow and limits.mintilecol <= col <= limits.maxtilecol

    kvp = service.gettile(layer="schools", tilematrixset="c", tilematrix="14", row=row, column=col,
                          format="image/png", style="default").read()
    assert kvp[:8] == b"\x89PNG\r\n\x1a\n" and opaque_pixels(kvp) > 0
    template = next(r["template"] for r in layer.resourceURLs if r["format"] == "image/png")
    url = (template.replace("{Style}", "default").replace("{TileMatrixSet}", "c").replace("{TileMatrix}", "14")
           .replace("{TileRow}", str(row)).replace("{TileCol}", str(col)))
    with urllib.request.urlopen(url) as response:
        rest = response.read()
        assert response.headers["Content-Type"] == "image/png"
    assert rest == kvp


def gdal_translate(url: str, out, tmp_path, *args: str) -> gdal.Dataset:
    subprocess.run(
        ["gdal_translate", "-q", "-of", "GTiff", *args, f"WMTS:{url}", str(out)],
        check=True, capture_output=True, timeout=120,
        env={"GDAL_HTTP_TIMEOUT": "30", "PATH": "/usr/bin:/bin",
             "GDAL_DEFAULT_WMS_CACHE_PATH": str(tmp_path / "cache")},
    )
    return gdal.Open(str(out))


def mercator(lon: float, lat: float) -> tuple[float, float]:
    return math.radians(lon) * 6378137.0, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0


def test_gdal_wmts_driver_translates_a_vector_layer_into_a_georeferenced_geotiff(live_server, school_layer,
                                                                                 tmp_path):
    # Web Mercator, whose OGC scale denominators GDAL turns into resolutions (see docs/wmts.md for c and w).
    (west, north), (east, south) = mercator(126.58, 45.79), mercator(126.67, 45.74)
    ds = gdal_translate(f"{live_server.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities,layer=schools,"
                        "tilematrixset=WebMercatorQuad", tmp_path / "schools.tif", tmp_path,
                        "-projwin", str(west), str(north), str(east), str(south), "-outsize", "512", "0")
    assert ds.GetSpatialRef().GetAuthorityCode(None) == "3857"
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    assert x0 == pytest.approx(west, abs=abs(dx)) and y0 == pytest.approx(north, abs=abs(dy))
    alpha = ds.GetRasterBand(ds.RasterCount).ReadRaster()
    drawn = {(i % ds.RasterXSize, i // ds.RasterXSize) for i, value in enumerate(alpha) if value}
    for lon, lat in [(126.63, 45.75), (126.65, 45.76), (126.60, 45.78)]:  # the three schools
        x, y = mercator(lon, lat)
        col, row = int((x - x0) / dx), int((y - y0) / dy)
        assert any(abs(px - col) <= 2 and abs(py - row) <= 2 for px, py in drawn), (lon, lat)
    assert len(drawn) < ds.RasterXSize * ds.RasterYSize / 50, "points, not a filled map"


def test_a_tianditu_client_needs_only_the_url_and_layer_name(client, school_layer):
    row, col = c_tile(12, *SCHOOL)
    # As a client configured for t0.tianditu.gov.cn/img_c/wmts sends it, names in any case, with its tk.
    response = client.get("/wmts", {"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": "schools",
                                    "STYLE": "default", "TILEMATRIXSET": "c", "FORMAT": "tiles", "TileMatrix": "12",
                                    "TileRow": str(row), "TileCol": str(col), "tk": "0123456789abcdef"})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert opaque_pixels(response.content) > 0
    w = client.get("/wmts", {"service": "wmts", "request": "gettile", "layer": "schools", "style": "default",
                             "tilematrixset": "w", "format": "image/webp", "tilematrix": "w:12", "tilerow": "0",
                             "tilecol": "0"})
    assert w.status_code == 200 and w.content[8:12] == b"WEBP"


def test_c_tiles_are_cached_and_dropped_when_a_feature_changes_in_them(client, school_layer,
                                                                       django_capture_on_commit_callbacks):
    row, col = c_tile(15, *SCHOOL)
    far_row, far_col = c_tile(15, 126.60, 45.78)
    url = f"/wmts/1.0.0/schools/default/c/15/{row}/{col}.png"
    far = f"/wmts/1.0.0/schools/default/c/15/{far_row}/{far_col}.png"
    assert client.get(url)["X-Tile-Cache"] == "miss"
    assert client.get(far)["X-Tile-Cache"] == "miss"
    first = client.get(url)
    assert first["X-Tile-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        feature_create(layer=school_layer, geometry=Point(SCHOOL[0] + 0.0002, SCHOOL[1], srid=4326),
                       properties={"name": "新校", "level": "primary"})
    again = client.get(url)
    assert again["X-Tile-Cache"] == "miss"
    assert client.get(far)["X-Tile-Cache"] == "hit"


GET_TILE = {"service": "WMTS", "request": "GetTile", "version": "1.0.0", "layer": "schools", "style": "default",
            "tilematrixset": "c", "tilematrix": "1", "tilerow": "0", "tilecol": "0", "format": "image/png"}


@pytest.mark.parametrize(("query", "code", "locator", "status"), [
    ({"request": "GetTile"}, "MissingParameterValue", "SERVICE", 400),
    ({"service": "WMS", "request": "GetMap"}, "InvalidParameterValue", "SERVICE", 400),
    ({"service": "WMTS"}, "MissingParameterValue", "REQUEST", 400),
    ({"service": "WMTS", "request": "DescribeDomains"}, "OperationNotSupported", "REQUEST", 501),
    ({"service": "WMTS", "request": "GetCapabilities", "AcceptVersions": "2.0.0"}, "VersionNegotiationFailed",
     "AcceptVersions", 400),
    ({**GET_TILE, "tilematrixset": "EPSG:4326"}, "InvalidParameterValue", "TileMatrixSet", 400),
    ({**GET_TILE, "tilematrix": "high"}, "InvalidParameterValue", "TileMatrix", 400),
    ({**GET_TILE, "tilematrix": "0"}, "InvalidParameterValue", "TileMatrix", 400),
    ({**GET_TILE, "tilerow": "1"}, "TileOutOfRange", "TileRow", 400),
    ({**GET_TILE, "tilecol": "2"}, "TileOutOfRange", "TileCol", 400),
    ({**GET_TILE, "tilerow": "-1"}, "InvalidParameterValue", "TileRow", 400),
    ({**GET_TILE, "tilecol": "²"}, "InvalidParameterValue", "TileCol", 400),
    ({**GET_TILE, "tilematrix": "1²"}, "InvalidParameterValue", "TileMatrix", 400),
    ({**GET_TILE, "format": "image/gif"}, "InvalidParameterValue", "FORMAT", 400),
    ({**GET_TILE, "style": "night"}, "InvalidParameterValue", "STYLE", 400),
    ({**GET_TILE, "layer": "nowhere"}, "InvalidParameterValue", "LAYER", 400),
    ({**GET_TILE, "tilematrixset": ""}, "MissingParameterValue", "TILEMATRIXSET", 400),
    ({**GET_TILE, "version": "2.0.0"}, "InvalidParameterValue", "VERSION", 400),
])
def test_every_error_is_an_ows_exception_report(client, school_layer, query, code, locator, status):
    response = client.get("/wmts", query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/xml"
    assert exception_of(response) == (code, locator)


def test_a_level_outside_the_layers_zoom_range_is_tile_out_of_range(client, school_layer):
    school_layer.max_zoom = 12
    school_layer.save()
    response = client.get("/wmts/1.0.0/schools/default/WebMercatorQuad/13/0/0.png")
    assert response.status_code == 400
    assert exception_of(response) == ("TileOutOfRange", "TileMatrix")
    bad_ext = client.get("/wmts/1.0.0/schools/default/c/3/0/0.gif")
    assert exception_of(bad_ext) == ("InvalidParameterValue", "FORMAT")


def test_a_hidden_layer_is_absent_and_answers_as_a_missing_one(client, school_layer, hidden_layer):
    capabilities = client.get("/wmts/1.0.0/WMTSCapabilities.xml")
    assert capabilities.status_code == 200
    assert b"planning-secret" not in capabilities.content and b"schools" in capabilities.content
    hidden = client.get("/wmts/1.0.0/planning-secret/default/c/10/125/872.png")
    missing = client.get("/wmts/1.0.0/planning-secreu/default/c/10/125/872.png")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.content.replace(b"planning-secret", b"X") == missing.content.replace(b"planning-secreu", b"X")


def test_tokens_by_header_and_by_query_parameter(client, hidden_layer, hidden_token):
    by_header = client.get("/wmts", {"service": "WMTS", "request": "GetCapabilities"},
                           HTTP_AUTHORIZATION=f"Bearer {hidden_token}")
    assert b"<ows:Identifier>planning-secret</ows:Identifier>" in by_header.content
    by_query = client.get("/wmts/1.0.0/WMTSCapabilities.xml", {"token": hidden_token})
    assert b"<ows:Identifier>planning-secret</ows:Identifier>" in by_query.content
    # The client's next requests carry the token the capabilities came with.
    assert f"token={hidden_token}".encode() in by_query.content
    row, col = c_tile(14, 126.64, 45.76)
    tile = client.get(f"/wmts/1.0.0/planning-secret/default/c/14/{row}/{col}.png", {"token": hidden_token})
    assert tile.status_code == 200 and opaque_pixels(tile.content) > 0
    assert tile["Cache-Control"].startswith("private")
    # The tile is cached now; without the token it is still a layer that does not exist.
    anonymous = client.get(f"/wmts/1.0.0/planning-secret/default/c/14/{row}/{col}.png")
    assert anonymous.status_code == 400 and exception_of(anonymous) == ("InvalidParameterValue", "LAYER")
    refused = client.get("/wmts/1.0.0/WMTSCapabilities.xml", {"token": "gpt_nope_nope"})
    assert refused.status_code == 401 and exception_of(refused)[1] == "token"


def test_gdal_derives_c_resolutions_from_tianditus_scale_denominators_as_docs_wmts_md_says(live_server,
                                                                                          school_layer, tmp_path):
    """Tianditu's 96-dpi denominators read with OGC's 0.28 mm pixel: 0.28 / (25.4 / 96) = 1.0583 times
    the true pixel. This pins the client behaviour docs/wmts.md warns of (use WebMercatorQuad)."""
    result = subprocess.run(
        ["gdalinfo", "-json", f"WMTS:{live_server.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities,layer=schools,"
                              "tilematrixset=c"],
        check=True, capture_output=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "GDAL_DEFAULT_WMS_CACHE_PATH": str(tmp_path / "cache")},
    )
    gdal_pixel = json.loads(result.stdout)["geoTransform"][1]
    true_pixel = matrix_set("c").matrix(20).cellSize
    assert gdal_pixel / true_pixel == pytest.approx(0.28 / (25.4 / 96), rel=1e-6)
