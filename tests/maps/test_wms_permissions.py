"""WMS and permissions: a department-only layer is absent for anonymous visitors and other
departments from every WMS answer, exactly like a layer that does not exist, and present with a
session of its department or a token covering it (header and `token=`)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.gis.geos import Polygon
from owslib.wms import WebMapService

from layers.api.tokens import token_issue
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer
from tests.maps.conftest import NAME_SCHEMA, pixels

BOX = (126.61, 45.73, 126.65, 45.77)  # lon/lat; the hidden square fills its middle
HIDDEN = "secret-plan"
MISSING = "nowhere-plan"  # as long as HIDDEN, so that the two answers can be compared byte for byte


@pytest.fixture
def hidden_layer(transactional_db, departments, square_layer) -> Layer:
    """A department-only layer of education, beside the public `squares` layer."""
    layer = make_layer(HIDDEN, departments["education"], geometry_type=Layer.GeometryType.POLYGON,
                       visibility=Layer.Visibility.DEPARTMENT, schema=NAME_SCHEMA,
                       style={"stroke": "#ff0000", "fill": "#00ff00", "opacity": 1, "fill_opacity": 1, "weight": 1})
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.62, 45.74, 126.64, 45.76)),
                   properties={"name": "内部规划"})
    layer.refresh_from_db()
    return layer


def _requests(slug: str) -> dict[str, dict[str, str]]:
    minx, miny, maxx, maxy = BOX
    common = {"SERVICE": "WMS", "VERSION": "1.3.0", "STYLES": "", "CRS": "EPSG:4326",
              "BBOX": f"{miny},{minx},{maxy},{maxx}", "WIDTH": "50", "HEIGHT": "50"}
    return {
        "GetMap": common | {"REQUEST": "GetMap", "LAYERS": slug, "FORMAT": "image/png", "TRANSPARENT": "TRUE"},
        "GetFeatureInfo": common | {"REQUEST": "GetFeatureInfo", "LAYERS": slug, "QUERY_LAYERS": slug,
                                    "I": "25", "J": "25", "INFO_FORMAT": "application/json"},
        "GetLegendGraphic": {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetLegendGraphic", "LAYER": slug,
                             "FORMAT": "image/png", "SLD_VERSION": "1.1.0"},
    }


def _code(response) -> str | None:
    root = ET.fromstring(response.content)
    return next(e for e in root.iter() if e.tag.endswith("ServiceException")).get("code")


def _capability_names(response) -> set[str]:
    return set(WebMapService("http://testserver/wms", version="1.3.0", xml=response.content).contents)


@pytest.mark.parametrize("who", ["anonymous", "planning_editor"])
def test_hidden_layer_is_absent_like_a_missing_one(client, users, hidden_layer, who):
    if who != "anonymous":
        client.force_login(users[who])
    capabilities = client.get("/wms", {"SERVICE": "WMS", "REQUEST": "GetCapabilities", "VERSION": "1.3.0"})
    assert capabilities.status_code == 200
    assert "squares" in _capability_names(capabilities)
    assert HIDDEN not in _capability_names(capabilities)
    assert "内部规划".encode() not in capabilities.content and HIDDEN.encode() not in capabilities.content
    for request, params in _requests(HIDDEN).items():
        hidden = client.get("/wms", params)
        missing = client.get("/wms", _requests(MISSING)[request])
        assert hidden.status_code == missing.status_code == 400, request
        assert _code(hidden) == "LayerNotDefined", request
        assert hidden.content.replace(HIDDEN.encode(), MISSING.encode()) == missing.content, request
        assert hidden["Content-Type"] == missing["Content-Type"], request


def test_department_session_sees_it_and_answers_are_private(client, users, departments, hidden_layer):
    editor = users["education_editor"]
    client.force_login(editor)
    capabilities = client.get("/wms", {"SERVICE": "WMS", "REQUEST": "GetCapabilities", "VERSION": "1.3.0"})
    assert HIDDEN in _capability_names(capabilities)
    assert "private" in capabilities["Cache-Control"]
    image = client.get("/wms", _requests(HIDDEN)["GetMap"])
    assert image["Content-Type"] == "image/png", image.content[:300]
    assert "private" in image["Cache-Control"]
    assert pixels(image.content).getpixel((25, 25))[:3] == (0, 255, 0)


@pytest.mark.parametrize("how", ["header", "parameter"])
def test_token_covering_the_layer_sees_it(client, hidden_layer, how):
    _, raw = token_issue(name="gis-desktop", layers=[hidden_layer])
    headers = {"Authorization": f"Bearer {raw}"} if how == "header" else {}
    extra = {"token": raw} if how == "parameter" else {}
    capabilities = client.get("/wms", {"SERVICE": "WMS", "REQUEST": "GetCapabilities", "VERSION": "1.3.0"} | extra,
                              headers=headers)
    assert HIDDEN in _capability_names(capabilities)
    for request, params in _requests(HIDDEN).items():
        response = client.get("/wms", params | extra, headers=headers)
        assert response.status_code == 200, (request, response.content[:300])
        assert "private" in response["Cache-Control"], request
    info = client.get("/wms", _requests(HIDDEN)["GetFeatureInfo"] | extra, headers=headers)
    assert "内部规划" in info.content.decode()


def test_token_of_another_layer_does_not_see_it(client, hidden_layer, departments):
    other = make_layer("public-other", departments["planning"], visibility=Layer.Visibility.STAFF)
    _, raw = token_issue(name="other", layers=[other])
    response = client.get("/wms", _requests(HIDDEN)["GetMap"] | {"token": raw})
    assert _code(response) == "LayerNotDefined"


def test_unknown_token_is_refused_with_an_exception_report(client, hidden_layer):
    response = client.get("/wms", _requests(HIDDEN)["GetMap"] | {"token": "gp_nope_nope"})
    assert response.status_code == 401
    assert b"ServiceExceptionReport" in response.content
    assert b"secret" not in response.content
