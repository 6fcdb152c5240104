"""The search box in the map: suggestions, choosing a place, keyboard use, coordinates, a phone."""
import pytest
from playwright.sync_api import expect

from tests.search_data import add_centres, add_districts

pytestmark = pytest.mark.browser

NANGANG = (126.60, 45.70, 126.70, 45.76)


@pytest.fixture
def world(departments):
    add_districts(departments["planning"])
    add_centres(departments["planning"])


def _open(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector(".leaflet-overlay-pane path")
    return page.evaluate("window.geoportal.map.getZoom()")


def _view(page):
    return page.evaluate("""() => { const m = window.geoportal.map, c = m.getCenter();
        return {zoom: m.getZoom(), lng: c.lng, lat: c.lat}; }""")


def test_type_pick_the_district_zoom_and_popup(page, live_server, world):
    zoom_before = _open(page, live_server)
    box = page.get_by_test_id("search-input")
    box.press_sequentially("南岗", delay=40)
    option = page.locator("[role=option][data-layer=districts]")
    option.wait_for()
    # Grouped by layer, the group headed by the layer's title with its symbol.
    groups = page.locator(".gp-search-group")
    assert "districts 图层" in groups.all_inner_texts()
    assert page.locator(".gp-search-group .gp-swatch").count() == groups.count()
    assert option.first.inner_text().startswith("南岗区")
    option.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "南岗区" in popup.inner_text() and "230103" in popup.inner_text()
    # The popup may open while the map is still zooming to the district: wait for the move to end.
    page.wait_for_function("z => window.geoportal.map.getZoom() > z && !window.geoportal.map._animatingZoom",
                           arg=zoom_before, timeout=5000)
    view = _view(page)
    assert view["zoom"] > zoom_before
    assert NANGANG[0] < view["lng"] < NANGANG[2] and NANGANG[1] < view["lat"] < NANGANG[3]
    assert page.locator("path.gp-search-highlight").count() == 1
    assert page.get_by_test_id("search-suggestions").is_hidden()


def test_keyboard_pinyin_arrow_enter_and_escape(page, live_server, world):
    _open(page, live_server)
    box = page.get_by_test_id("search-input")
    box.press_sequentially("daoli", delay=30)
    page.locator("[role=option]").first.wait_for()
    box.press("ArrowDown")
    assert page.locator("[role=option][aria-selected=true]").inner_text().startswith("道里区")
    box.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    assert "道里区" in page.locator(".leaflet-popup-content").inner_text()
    box.press_sequentially("区政务", delay=30)
    page.locator("[role=option]").first.wait_for()
    box.press("Escape")
    assert page.get_by_test_id("search-suggestions").is_hidden()


def test_a_typed_coordinate_goes_there(page, live_server, world):
    _open(page, live_server)
    box = page.get_by_test_id("search-input")
    box.fill("45°45'N 126°38'E")
    box.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    view = _view(page)
    assert view["zoom"] >= 16
    assert abs(view["lng"] - (126 + 38 / 60)) < 1e-4 and abs(view["lat"] - 45.75) < 1e-4


def test_within_a_drawn_rectangle_lists_and_draws_results(page, live_server, world):
    _open(page, live_server)
    page.locator("#gp-layer-districts").uncheck()  # district popups would open under the clicks
    page.get_by_test_id("search-filters").click()
    page.get_by_test_id("search-layer").select_option("service-centres")
    expect(page.locator("[role=option]")).to_have_count(3)  # a layer alone lists its features
    page.evaluate("window.geoportal.map.setView([45.73, 126.65], 12, {animate: false})")
    page.get_by_test_id("search-draw-rectangle").click()
    page.get_by_test_id("search-filters").click()  # fold the panel away; drawing goes on
    for lat, lng in [(45.71, 126.64), (45.75, 126.70)]:
        point = page.evaluate(f"window.geoportal.map.latLngToContainerPoint([{lat}, {lng}])")
        page.locator("#map").click(position={"x": point["x"], "y": point["y"]})
    # Two of the three centres lie in the rectangle: listed, and drawn on the map.
    expect(page.locator("[role=option]")).to_have_count(2)
    names = sorted(page.locator(".gp-search-name").all_inner_texts())
    assert names == ["南岗区政务服务中心", "哈尔滨市政务服务中心"]
    assert page.locator("path.gp-search-result").count() == 2
    assert page.locator("path.gp-search-shape").count() == 1  # the rectangle


def test_the_box_fits_a_phone(open_page, live_server, world):
    page = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(live_server.url + "/")
    box = page.get_by_test_id("search-input")
    box.wait_for()
    width = box.bounding_box()["width"]
    assert 150 < width < 390
    box.tap()
    box.press_sequentially("ngq", delay=30)
    page.locator("[role=option]").first.tap()
    page.locator(".leaflet-popup-content").wait_for()
    assert "南岗区" in page.locator(".leaflet-popup-content").inner_text()
