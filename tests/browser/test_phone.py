"""The map on a 375 x 667 phone: the layer panel folds behind a button, controls stay reachable,
popups fit the screen, nothing overflows sideways."""
import pytest

from tests.browser.conftest import wait_for_map
from tests.browser.test_popup import click_at

PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def phone(open_page):
    return open_page(**PHONE)


def reachable(page, selector: str) -> bool:
    """The element is on screen and is what a tap at its centre hits."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const r = el.getBoundingClientRect();
            const onScreen = r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
            if (r.width === 0 || !onScreen) return false;
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return el === hit || el.contains(hit);
        }""",
        selector,
    )


def test_phone_layout_panel_controls_and_popup(phone, live_server, map_layers):
    page = phone
    page.goto(live_server.url + "/#map=13/45.7400/126.6200&layers=test-districts,schools")
    wait_for_map(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375

    # The panel is folded away; the button, the zoom, share and language controls are reachable.
    assert page.locator("#gp-panel").bounding_box()["x"] + page.locator("#gp-panel").bounding_box()["width"] <= 1
    for selector in ["[data-testid=panel-toggle]", ".leaflet-control-zoom-in", ".leaflet-control-zoom-out",
                     "[data-testid=share]", "[data-testid=lang-switch]", "[data-testid=login]"]:
        assert reachable(page, selector), selector
    # The search box sits beside the panel's button, not under it.
    toggle_box, search_box = (page.locator(s).bounding_box() for s in ("[data-testid=panel-toggle]", ".gp-search"))
    assert toggle_box["x"] + toggle_box["width"] <= search_box["x"], (toggle_box, search_box)

    toggle = page.locator("[data-testid=panel-toggle]")
    toggle.tap()
    page.wait_for_function("() => document.getElementById('gp-panel').getBoundingClientRect().left >= 0")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert reachable(page, "#gp-layer-schools")
    page.locator("#gp-layer-schools").tap()
    assert page.locator(".leaflet-gp-point-pane path").count() == 0
    page.locator("#gp-layer-schools").tap()
    page.wait_for_selector(".leaflet-gp-point-pane path")

    toggle.tap()
    page.wait_for_function("() => document.getElementById('gp-panel').getBoundingClientRect().right <= 1")
    assert toggle.get_attribute("aria-expanded") == "false"

    click_at(page, 45.74, 126.64)
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_timeout(300)  # the map pans the popup into view
    box = popup.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 667, box
    assert reachable(page, ".leaflet-popup-close-button")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_share_panel_fits_a_phone(phone, live_server, map_layers):
    page = phone
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator("[data-testid=share]").tap()
    box = page.locator(".gp-share-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert reachable(page, ".gp-share-copy")


def test_download_dialog_fits_a_phone(phone, live_server, map_layers):
    page = phone
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator("[data-testid=panel-toggle]").tap()
    page.wait_for_function("() => document.getElementById('gp-panel').getBoundingClientRect().left >= 0")
    page.locator("li[data-layer=schools] .gp-download-button").tap()
    box = page.get_by_test_id("download").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert reachable(page, "[data-testid=download-go]")
