"""WMS at /wms: capabilities parsed by OWSLib, maps decoded, feature info, exceptions, permissions."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.contrib.gis.geos import Polygon
from owslib.wms import WebMapService
from PIL import Image

from layers.api.tokens import token_issue
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer
from tests.maps.conftest import NAME_SCHEMA, pixels

# The square (126.62–126.64 E, 45.74–45.76 N) fills the middle of this 1.1.1 box at 100 px.
BOX_LONLAT = (126.61, 45.73, 126.65, 45.77)


def _get(client, **params):
    return client.get("/wms", params)


def _exception_code(response) -> str | None:
    root = ET.fromstring(response.content)
    found = next(e for e in root.iter() if e.tag.endswith("ServiceException"))
    return found.get("code")


def _getmap(client, version="1.3.0", layers="squares", **extra):
    crs_key = "CRS" if version == "1.3.0" else "SRS"
    minx, miny, maxx, maxy = BOX_LONLAT
    bbox = f"{miny},{minx},{maxy},{maxx}" if version == "1.3.0" else f"{minx},{miny},{maxx},{maxy}"
    params = {"SERVICE": "WMS", "VERSION": version, "REQUEST": "GetMap", "LAYERS": layers, "STYLES": "",
              crs_key: "EPSG:4326", "BBOX": bbox, "WIDTH": "100", "HEIGHT": "100", "FORMAT": "image/png",
              "TRANSPARENT": "TRUE"} | extra
    return _get(client, **params)


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_capabilities_parsed_by_owslib(client, square_layer, point_layer, version):
    response = _get(client, SERVICE="WMS", VERSION=version, REQUEST="GetCapabilities", LANGUAGE="en")
    assert response.status_code == 200
    wms = WebMapService("http://testserver/wms", version=version, xml=response.content)
    assert set(wms.contents) >= {"squares", "stars"}
    squares = wms["squares"]
    assert squares.title == "squares layer"
    assert squares.queryable == 1
    west, south, east, north = squares.boundingBoxWGS84
    assert (round(west, 2), round(south, 2), round(east, 2), round(north, 2)) == (126.62, 45.74, 126.64, 45.76)
    crs = {c if isinstance(c, str) else c[-1] for c in squares.crsOptions}
    assert {"EPSG:4326", "EPSG:4490", "EPSG:3857", "EPSG:4534", "EPSG:4551", "EPSG:4554", "EPSG:4513"} <= crs
    assert "GetLegendGraphic" in squares.styles["default"]["legend"]
    assert {"GetMap", "GetFeatureInfo"} <= {op.name for op in wms.operations}


def test_capabilities_titles_follow_the_language(client, square_layer):
    zh = _get(client, SERVICE="WMS", REQUEST="GetCapabilities", LANGUAGE="zh")
    assert "squares 图层" in zh.content.decode()
    en = _get(client, SERVICE="WMS", REQUEST="GetCapabilities", LANGUAGE="en")
    assert "squares layer" in en.content.decode() and "squares 图层" not in en.content.decode()


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_getmap_axis_order_of_each_version(client, square_layer, version):
    response = _getmap(client, version)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/png"
    image = pixels(response.content)
    assert image.getpixel((50, 50))[:3] == (0, 0, 255)
    assert image.getpixel((5, 5))[3] == 0


def test_getmap_jpeg_and_several_layers(client, square_layer, point_layer):
    response = _getmap(client, layers="squares,stars", FORMAT="image/jpeg")
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    red, green, blue = image.getpixel((50, 50))  # the star over the square
    assert green > 150 and blue < 120


def test_getmap_web_mercator_and_gauss_kruger(client, square_layer):
    for crs, bbox in [("EPSG:3857", "14095000,5738000,14099000,5742000"),
                      ("EPSG:4551", "5066000,547000,5071000,551000")]:  # 1.3.0: GK zones are northing first
        response = _get(client, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetMap", LAYERS="squares", STYLES="",
                        CRS=crs, BBOX=bbox, WIDTH="64", HEIGHT="64", FORMAT="image/png")
        assert response["Content-Type"] == "image/png", response.content[:300]
        assert pixels(response.content).getpixel((32, 32))[:3] == (0, 0, 255), crs


@pytest.mark.parametrize("info_format", ["text/html", "application/json", "text/xml"])
def test_getfeatureinfo_from_the_database_escaped(client, square_layer, info_format):
    feature = square_layer.features.get()
    feature.properties = {"name": "<script>alert(1)</script>", "stray": "not in the schema"}
    feature.save()
    minx, miny, maxx, maxy = BOX_LONLAT
    response = _get(client, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetFeatureInfo", LAYERS="squares",
                    QUERY_LAYERS="squares", STYLES="", CRS="EPSG:4326", BBOX=f"{miny},{minx},{maxy},{maxx}",
                    WIDTH="100", HEIGHT="100", I="50", J="50", INFO_FORMAT=info_format, FORMAT="image/png")
    assert response.status_code == 200, response.content[:400]
    body = response.content.decode()
    assert response["Content-Type"].startswith(info_format)
    assert "<script>" not in body
    assert "not in the schema" not in body
    if info_format == "application/json":
        (found,) = json.loads(body)["features"]
        assert found["properties"] == {"name": "<script>alert(1)</script>"}
        assert found["layer"] == "squares"
    elif info_format == "text/html":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    else:
        names = [e.text for e in ET.fromstring(response.content).iter() if e.tag == "name"]
        assert names == ["<script>alert(1)</script>"]


def test_getfeatureinfo_outside_features_is_empty(client, square_layer):
    minx, miny, maxx, maxy = BOX_LONLAT
    response = _get(client, SERVICE="WMS", VERSION="1.1.1", REQUEST="GetFeatureInfo", LAYERS="squares",
                    QUERY_LAYERS="squares", STYLES="", SRS="EPSG:4326", BBOX=f"{minx},{miny},{maxx},{maxy}",
                    WIDTH="100", HEIGHT="100", X="2", Y="2", INFO_FORMAT="application/json")
    assert json.loads(response.content)["features"] == []


def test_getlegendgraphic(client, square_layer):
    response = _get(client, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetLegendGraphic", LAYER="squares",
                    FORMAT="image/png", SLD_VERSION="1.1.0")
    assert response["Content-Type"] == "image/png", response.content[:300]
    image = pixels(response.content)
    colours = {image.getpixel((x, y))[:3] for x in range(image.width) for y in range(image.height)}
    assert (0, 0, 255) in colours


@pytest.mark.parametrize("version, extra, code", [
    ("1.3.0", {"CRS": "EPSG:999999"}, "InvalidCRS"),
    ("1.1.1", {"SRS": "EPSG:999999"}, "InvalidSRS"),
    ("1.3.0", {"LAYERS": "nowhere"}, "LayerNotDefined"),
    ("1.3.0", {"FORMAT": "image/gif"}, "InvalidFormat"),
    ("1.3.0", {"WIDTH": "100000"}, "InvalidParameterValue"),
    ("1.3.0", {"SLD": "http://example.com/x.sld"}, "InvalidParameterValue"),
    ("1.3.0", {"SLD_BODY": "<StyledLayerDescriptor/>"}, "InvalidParameterValue"),
    ("1.3.0", {"MAP": "/etc/passwd"}, "InvalidParameterValue"),
])
def test_getmap_errors_are_exception_reports(client, square_layer, version, extra, code):
    response = _getmap(client, version, **extra)
    assert response.status_code == 400
    assert b"ServiceExceptionReport" in response.content
    assert _exception_code(response) == code


def test_invalid_point_and_info_format(client, square_layer):
    minx, miny, maxx, maxy = BOX_LONLAT
    base = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetFeatureInfo", "LAYERS": "squares",
            "QUERY_LAYERS": "squares", "STYLES": "", "CRS": "EPSG:4326", "BBOX": f"{miny},{minx},{maxy},{maxx}",
            "WIDTH": "100", "HEIGHT": "100", "I": "500", "J": "50", "INFO_FORMAT": "text/html"}
    assert _exception_code(_get(client, **base)) == "InvalidPoint"
    assert _exception_code(_get(client, **(base | {"I": "5", "INFO_FORMAT": "image/gif"}))) == "InvalidFormat"


def test_unknown_request_and_service(client, db):
    assert _exception_code(_get(client, SERVICE="WMS", REQUEST="GetStyles")) == "OperationNotSupported"
    assert _get(client, SERVICE="WFS", REQUEST="GetCapabilities").status_code == 400


@pytest.fixture
def secret_layer(transactional_db, departments) -> Layer:
    layer = make_layer("secret-plans", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       visibility=Layer.Visibility.DEPARTMENT, schema=NAME_SCHEMA,
                       style={"stroke": "#ff0000", "fill": "#ff0000", "opacity": 1, "fill_opacity": 1})
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.62, 45.74, 126.64, 45.76)),
                   properties={"name": "内部"})
    layer.refresh_from_db()
    return layer


def _answers(client, name: str, **headers) -> list[tuple[int, str | None, bytes]]:
    """What GetMap, GetFeatureInfo and GetLegendGraphic say about layer `name`."""
    minx, miny, maxx, maxy = BOX_LONLAT
    box = f"{miny},{minx},{maxy},{maxx}"
    requests = [
        {"REQUEST": "GetMap", "LAYERS": name, "STYLES": "", "CRS": "EPSG:4326", "BBOX": box, "WIDTH": "100",
         "HEIGHT": "100", "FORMAT": "image/png"},
        {"REQUEST": "GetFeatureInfo", "LAYERS": name, "QUERY_LAYERS": name, "STYLES": "", "CRS": "EPSG:4326",
         "BBOX": box, "WIDTH": "100", "HEIGHT": "100", "I": "50", "J": "50", "INFO_FORMAT": "application/json"},
        {"REQUEST": "GetLegendGraphic", "LAYER": name, "FORMAT": "image/png", "SLD_VERSION": "1.1.0"},
    ]
    out = []
    for params in requests:
        response = client.get("/wms", {"SERVICE": "WMS", "VERSION": "1.3.0", **params}, **headers)
        code = _exception_code(response) if b"ServiceException" in response.content[:300] else None
        out.append((response.status_code, code, response.content.replace(name.encode(), b"NAME")))
    return out


def test_department_layer_is_absent_for_others_exactly_like_a_missing_one(client, secret_layer, square_layer,
                                                                           users):
    for who in (None, users["education_editor"], users["public"]):
        if who is not None:
            client.force_login(who)
        capabilities = _get(client, SERVICE="WMS", REQUEST="GetCapabilities").content.decode()
        assert "secret-plans" not in capabilities and "内部" not in capabilities
        assert "squares" in capabilities
        hidden, missing = _answers(client, "secret-plans"), _answers(client, "no-such-layer")
        assert hidden == missing
        assert all(code == "LayerNotDefined" for _, code, _ in hidden), hidden


def test_department_staff_see_it_privately(client, secret_layer, users):
    client.force_login(users["planning_editor"])
    response = _get(client, SERVICE="WMS", REQUEST="GetCapabilities")
    assert "secret-plans" in response.content.decode()
    assert response["Cache-Control"] == "private"
    (status, code, _), info, _ = _answers(client, "secret-plans")
    assert status == 200 and code is None
    assert json.loads(info[2])["features"][0]["properties"] == {"name": "内部"}


def test_token_by_header_and_by_parameter(client, secret_layer, square_layer):
    _, raw = token_issue(name="qgis", layers=[secret_layer])
    by_header = _answers(client, "secret-plans", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_header[0][0] == 200 and by_header[0][1] is None
    assert pixels(by_header[0][2]).getpixel((50, 50))[:3] == (255, 0, 0)
    response = _get(client, SERVICE="WMS", REQUEST="GetCapabilities", token=raw)
    assert response["Cache-Control"] == "private"
    wms = WebMapService("http://testserver/wms", version="1.3.0", xml=response.content)
    assert "secret-plans" in wms.contents
    get_map = next(op for op in wms.operations if op.name == "GetMap")
    assert f"token={raw}" in get_map.methods[0]["url"]  # clients that cannot set headers keep it
    minx, miny, maxx, maxy = BOX_LONLAT
    drawn = _get(client, SERVICE="WMS", VERSION="1.1.1", REQUEST="GetMap", LAYERS="secret-plans", STYLES="",
                 SRS="EPSG:4326", BBOX=f"{minx},{miny},{maxx},{maxy}", WIDTH="100", HEIGHT="100",
                 FORMAT="image/png", token=raw)
    assert pixels(drawn.content).getpixel((50, 50))[:3] == (255, 0, 0)
    assert drawn["Cache-Control"] == "private"


def test_bad_token_is_refused_with_an_exception_report(client, db):
    response = _get(client, SERVICE="WMS", REQUEST="GetCapabilities", token="gpt_nope_nope")
    assert response.status_code == 401
    assert b"ServiceExceptionReport" in response.content


def test_public_answers_may_be_cached(client, square_layer):
    assert _get(client, SERVICE="WMS", REQUEST="GetCapabilities")["Cache-Control"].startswith("public")
