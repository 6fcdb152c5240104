"""The live map: two Chromium pages, the live process (tests/live_support.py) beside the live
server. A viewer's map repaints another user's edit without reloading; two editors of a layer see
each other; an editor whose open feature was saved elsewhere gets the conflict dialog before saving."""
from __future__ import annotations

import os
import statistics
import time

import pytest
from django.contrib.gis.geos import Polygon
from django.db import transaction

from layers.models import Feature, Layer
from layers.services import feature_create, feature_delete, feature_update
from tests.browser.conftest import login, wait_for_map
from tests.browser.test_editing import click_feature, save_and_wait, start_editing
from tests.conftest import make_layer, make_user

SCHEMA = [{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"},
          {"name": "floors", "type": "integer", "label_zh": "层数", "label_en": "Floors"}]
# Around the map's default centre (45.757, 126.642) at its default zoom.
BUILDINGS = [((126.640, 45.755), "中央大街1号", 3), ((126.660, 45.765), "红军街8号", 12),
             ((126.620, 45.745), "学府路2号", 5)]
EMPTY_PLACE = (126.655, 45.745)  # no building there at first

PAINTED_ALPHA = """([lon, lat]) => {
  const p = geoportal.map.latLngToContainerPoint([lat, lon]);
  const m = document.getElementById("map").getBoundingClientRect();
  const [x, y] = [m.left + p.x, m.top + p.y];
  for (const canvas of document.querySelectorAll("canvas.leaflet-tile")) {
    const r = canvas.getBoundingClientRect();
    if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
    const scale = canvas.width / r.width;
    return canvas.getContext("2d").getImageData((x - r.left) * scale, (y - r.top) * scale, 1, 1).data[3];
  }
  return -1;
}"""


def box(lon: float, lat: float) -> Polygon:
    return Polygon.from_bbox((lon - 0.002, lat - 0.0015, lon + 0.002, lat + 0.0015))


@pytest.fixture
def buildings(departments, settings, clean_tile_cache) -> Layer:
    """A public layer drawn from vector tiles (more features than the threshold)."""
    settings.MAP_TILED_LAYER_THRESHOLD = 2
    layer = make_layer("live-buildings", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=SCHEMA)
    for (lon, lat), name, floors in BUILDINGS:
        feature_create(layer=layer, geometry=box(lon, lat), properties={"name": name, "floors": floors})
    return layer


def open_viewer(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.wait_for_function("() => geoportal.live && geoportal.live.connected")
    page.wait_for_selector("canvas.leaflet-tile")
    page.wait_for_function(f"() => ({PAINTED_ALPHA})([{BUILDINGS[1][0][0]}, {BUILDINGS[1][0][1]}]) > 0")
    page.evaluate("""() => {
      window.repaints = [];
      window.notReloaded = true;
      geoportal.map.on("gp-liverepaint", (e) => window.repaints.push({slug: e.slug, count: e.count, at: Date.now()}));
    }""")


def test_a_viewer_sees_another_users_edit_without_reloading(page, live_server, live_socket_server, buildings):
    open_viewer(page, live_server)
    (lon, lat), name, _ = BUILDINGS[1]
    point = page.evaluate(f"() => geoportal.map.latLngToContainerPoint([{lat}, {lon}])")
    map_box = page.locator("#map").bounding_box()
    page.mouse.click(map_box["x"] + point["x"], map_box["y"] + point["y"])
    popup = page.locator(".leaflet-popup .gp-popup")
    popup.wait_for()
    assert "12" in popup.locator("table").inner_text()
    tiles_before = page.evaluate("() => document.querySelectorAll('canvas.leaflet-tile').length")
    refetched = []
    page.on("request", lambda r: refetched.append(r.url) if "/tiles/live-buildings/" in r.url else None)

    # Another user raises the building's floors and moves the first building to an empty place.
    feature = Feature.objects.get(layer=buildings, name=name)
    feature_update(feature=feature, base_version=1, properties={"name": name, "floors": 20})
    moved = Feature.objects.get(layer=buildings, name=BUILDINGS[0][1])
    feature_update(feature=moved, base_version=1, geometry=box(*EMPTY_PLACE))

    page.wait_for_function("() => window.repaints.length === 2")
    page.locator(".leaflet-popup .gp-popup table:has-text('20')").wait_for()
    assert popup.locator("h3").inner_text() == name
    assert page.evaluate(PAINTED_ALPHA, list(EMPTY_PLACE)) > 0  # drawn where it went
    assert page.evaluate(PAINTED_ALPHA, list(BUILDINGS[0][0])) == 0  # and gone from where it was
    assert page.evaluate("() => window.notReloaded") is True
    # Only tiles the changes touch are fetched again, each under a new URL.
    assert refetched and all("?v=" in url for url in refetched)
    assert len(refetched) < tiles_before


def test_commit_to_repainted_tile_delay(page, live_server, live_socket_server, buildings):
    """The figure of docs/live.md: from the commit to the refetched tile drawn, over 20 edits."""
    open_viewer(page, live_server)
    feature = Feature.objects.get(layer=buildings, name=BUILDINGS[2][1])
    delays, committed = [], []
    for edit in range(20):
        lon = BUILDINGS[2][0][0] + (0.001 if edit % 2 == 0 else 0)
        with transaction.atomic():
            # Registered before the write's own callbacks, so it runs first when the commit is done.
            transaction.on_commit(lambda: committed.append(time.time() * 1000))
            feature = feature_update(feature=feature, base_version=feature.version,
                                     geometry=box(lon, BUILDINGS[2][0][1]))
        page.wait_for_function(f"() => window.repaints.length === {edit + 1}")
        delays.append(page.evaluate("() => window.repaints.at(-1).at") - committed[-1])
    p50, p95 = statistics.median(delays), statistics.quantiles(delays, n=20)[-1]
    print(f"\nlive map: commit to repainted tile over {len(delays)} edits: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
          f"(load average {os.getloadavg()[0]:.2f})")
    assert p50 < 2000


@pytest.fixture
def two_editors(departments, users):
    layer = make_layer("live-parcels", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       visibility=Layer.Visibility.DEPARTMENT, schema=SCHEMA)
    feature = feature_create(layer=layer, geometry=box(126.642, 45.757), properties={"name": "旧名", "floors": 1})
    make_user("p_editor2", department=departments["planning"], role=users["planning_editor"].role,
              first_name="乙编辑")
    return layer, feature


def test_two_editors_of_a_layer_see_each_other(page, open_page, live_server, live_socket_server, two_editors):
    other = open_page()
    for browser_page, name in ((page, "p_editor"), (other, "p_editor2")):
        login(browser_page, live_server, name, f"pw-{name}")
        start_editing(browser_page, live_server, "live-parcels")
    page.locator("[data-testid=edit-presence]:has-text('乙编辑')").wait_for()
    other.locator("[data-testid=edit-presence]:has-text('p_editor')").wait_for()
    other.click("#gp-edit-toggle")  # stops editing
    page.wait_for_function("() => document.querySelector('[data-testid=edit-presence]').textContent === ''")


def test_the_conflict_dialog_comes_before_saving_a_feature_changed_elsewhere(
        page, open_page, live_server, live_socket_server, two_editors):
    layer, feature = two_editors
    other = open_page()
    for browser_page, name in ((page, "p_editor"), (other, "p_editor2")):
        login(browser_page, live_server, name, f"pw-{name}")
        start_editing(browser_page, live_server, "live-parcels")
        browser_page.wait_for_selector(".leaflet-overlay-pane path")
        click_feature(browser_page)
    page.fill("#gp-field-name", "甲的名称")
    other.fill("#gp-field-name", "乙的名称")
    save_and_wait(other)
    page.locator("[data-testid=edit-notice]:has-text('此要素已被他人保存')").wait_for()

    writes = []
    page.on("request", lambda r: writes.append(r.method) if r.method in ("PUT", "PATCH", "POST") else None)
    page.click("#gp-edit-panel [data-action=save]")
    dialog = page.locator("[data-testid=conflict]")
    dialog.wait_for()
    assert writes == []  # the dialog came before any save was tried
    assert dialog.locator("tr[data-field=name] .gp-theirs").text_content() == "乙的名称"
    assert dialog.locator("tr[data-field=name] .gp-yours").text_content() == "甲的名称"
    dialog.locator("[data-action=reapply]").click()
    page.wait_for_selector(".gp-status:has-text('已保存')")
    feature.refresh_from_db()
    assert feature.properties["name"] == "甲的名称" and feature.version == 3


def test_a_geojson_layer_replaces_the_changed_feature_and_its_open_popup(page, live_server, live_socket_server,
                                                                         departments):
    """A small layer is drawn from one GeoJSON: the changed feature alone is fetched again."""
    layer = make_layer("live-kiosks", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=SCHEMA)
    kiosk = feature_create(layer=layer, geometry=box(126.642, 45.757), properties={"name": "报亭", "floors": 1})
    feature_create(layer=layer, geometry=box(126.66, 45.745), properties={"name": "书亭", "floors": 1})
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.wait_for_function("() => geoportal.live && geoportal.live.connected")
    page.evaluate("() => { window.notReloaded = true; }")
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "/api/layers/live-kiosks/" in r.url else None)
    (x, y) = page.evaluate("""() => { const p = geoportal.map.latLngToContainerPoint([45.757, 126.642]);
                                      const m = document.getElementById("map").getBoundingClientRect();
                                      return [m.left + p.x, m.top + p.y]; }""")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup .gp-popup")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "报亭"

    kiosk = feature_update(feature=kiosk, base_version=1, properties={"name": "新报亭", "floors": 2})
    page.locator(".leaflet-popup .gp-popup h3:has-text('新报亭')").wait_for()
    # The old feature's popup fades out (Leaflet removes it 200 ms later); the new one stays open.
    page.wait_for_function("() => document.querySelectorAll('.leaflet-popup').length === 1")
    assert "2" in popup.locator("tr[data-field=floors]").inner_text()
    assert fetched and all(url.endswith(f"/features/{kiosk.pk}/") for url in fetched)

    feature_delete(feature=kiosk)
    page.locator(".leaflet-popup").wait_for(state="detached")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length === 1")
    assert page.evaluate("() => window.notReloaded") is True


def test_the_page_reconnects_after_the_live_process_restarts(page, live_server, live_socket_server, buildings,
                                                             page_problems):
    page_problems.allow_console("WebSocket connection to")  # the attempts while it is down
    open_viewer(page, live_server)
    live_socket_server.stop()
    page.wait_for_function("() => !geoportal.live.connected")
    page.wait_for_timeout(1500)  # at least one attempt fails and the next waits longer
    live_socket_server.start()
    page.wait_for_function("() => geoportal.live.connected", timeout=15_000)
    page.wait_for_timeout(200)  # its follow message is answered
    feature = Feature.objects.get(layer=buildings, name=BUILDINGS[0][1])
    feature_update(feature=feature, base_version=1, geometry=box(*EMPTY_PLACE))
    page.wait_for_function("() => window.repaints.length === 1")
    assert page.evaluate(PAINTED_ALPHA, list(EMPTY_PLACE)) > 0
