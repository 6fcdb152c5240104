"""Editing a layer the map draws from tiles: its features are loaded where the map is (from zoom
15 on), more as the map moves, none twice, and saved like any other."""
from __future__ import annotations

from django.contrib.gis.geos import Polygon

from layers.models import Feature, Layer
from layers.services import feature_create
from tests.browser.conftest import login
from tests.browser.test_editing import SCHEMA, click_feature, save_and_wait
from tests.conftest import make_layer

HERE = (126.630, 45.750)
NEIGHBOUR = (126.6315, 45.7505)  # in the same z16 view
FAR = (126.700, 45.800)


def editable_paths(page) -> int:
    return page.locator(".leaflet-overlay-pane path").count()


def go(page, lon: float, lat: float, zoom: int) -> None:
    page.evaluate(f"() => geoportal.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")


def test_a_tiled_layer_is_edited_by_view(page, live_server, departments, users, settings):
    settings.MAP_TILED_LAYER_THRESHOLD = 2
    layer = make_layer("blocks", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       visibility=Layer.Visibility.DEPARTMENT, schema=SCHEMA)
    ids = {}
    for name, (lon, lat) in {"here": HERE, "neighbour": NEIGHBOUR, "far": FAR}.items():
        ids[name] = feature_create(layer=layer, geometry=Polygon.from_bbox(
            (lon - 0.0003, lat - 0.0002, lon + 0.0003, lat + 0.0002)),
            properties={"name": name, "use": "park"}).pk

    login(page, live_server, "p_editor", "pw-p_editor")
    page.goto(live_server.url + "/")
    go(page, *HERE, 12)
    page.select_option("#gp-edit-layer", "blocks")
    page.click("#gp-edit-toggle")
    page.wait_for_selector(".leaflet-pm-toolbar")
    notice = page.get_by_test_id("edit-notice")
    assert "15" in notice.inner_text()
    assert editable_paths(page) == 0

    with page.expect_response(lambda r: "/api/layers/blocks/features/?bbox=" in r.url):
        go(page, *HERE, 16)
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length === 2")
    assert notice.inner_text() == ""

    # Edit one of them; it saves with the version it was loaded at.
    click_feature(page)
    before = page.input_value("#gp-field-name")
    assert before in ("here", "neighbour")
    page.fill("#gp-field-name", f"{before}, renamed")
    save_and_wait(page)
    edited = Feature.objects.get(pk=ids[before])
    assert edited.properties["name"] == f"{before}, renamed" and edited.version == 2

    # Far away: loaded when the map gets there; back home nothing is loaded twice.
    with page.expect_response(lambda r: "/api/layers/blocks/features/?bbox=" in r.url):
        go(page, *FAR, 16)
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length === 3")
    with page.expect_response(lambda r: "/api/layers/blocks/features/?bbox=" in r.url):
        go(page, *HERE, 16)
    page.wait_for_timeout(300)
    assert editable_paths(page) == 3
    assert page.evaluate("() => geoportal.map.getZoom()") == 16
