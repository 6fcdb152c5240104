"""A shareable link to the view: the URL hash holds zoom, centre and layers; opening it restores
the view; the share control shows and copies it."""
from tests.browser.conftest import wait_for_map


def view(page) -> dict:
    return page.evaluate(
        """() => { const m = window.geoportal.map; const c = m.getCenter();
                   return {zoom: m.getZoom(), lat: c.lat, lng: c.lng,
                           on: window.geoportal.layers.onSlugs()}; }""")


def checked(page) -> list[str]:
    boxes = page.locator(".gp-layer input[type=checkbox]")
    return [boxes.nth(i).get_attribute("data-layer") for i in range(boxes.count()) if boxes.nth(i).is_checked()]


def test_a_link_restores_zoom_centre_and_layers(page, live_server, map_layers):
    page.goto(live_server.url + "/#map=14/45.74500/126.60000&layers=roads")
    wait_for_map(page)
    state = view(page)
    assert state["zoom"] == 14
    assert abs(state["lat"] - 45.745) < 1e-4 and abs(state["lng"] - 126.6) < 1e-4
    assert state["on"] == ["roads"]
    assert checked(page) == ["roads"]
    assert page.locator(".leaflet-gp-line-pane path").count() == 1
    assert page.locator(".leaflet-gp-point-pane path").count() == 0
    assert page.locator(".leaflet-gp-backdrop-pane path").count() == 0

    # A link edited or pasted into the same tab is applied too.
    page.evaluate("() => { window.location.hash = 'map=12/45.7400/126.6400&layers=schools,test-districts'; }")
    page.wait_for_function("() => window.geoportal.map.getZoom() === 12")
    page.wait_for_selector(".leaflet-gp-point-pane path")
    assert sorted(view(page)["on"]) == ["schools", "test-districts"]
    assert page.locator(".leaflet-gp-line-pane path").count() == 0


def test_share_control_gives_a_link_that_reopens_the_same_view(page, live_server, map_layers, open_page):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("() => window.geoportal.map.getZoom() === 12")
    page.mouse.move(900, 400)
    page.mouse.down()
    page.mouse.move(800, 450, steps=5)
    page.mouse.up()
    page.locator("#gp-layer-schools").uncheck()

    page.locator("[data-testid=share]").click()
    url_field = page.locator(".gp-share-url")
    assert url_field.is_visible()
    link = url_field.input_value()
    assert link == page.url
    assert link.startswith(live_server.url + "/#map=12/")
    assert link.endswith("&layers=test-districts,roads")
    before = view(page)

    other = open_page()
    other.goto(link)
    wait_for_map(other)
    after = view(other)
    assert after["zoom"] == before["zoom"]
    assert abs(after["lat"] - before["lat"]) < 1e-3 and abs(after["lng"] - before["lng"]) < 1e-3
    assert after["on"] == ["test-districts", "roads"]
    assert not other.locator("#gp-layer-schools").is_checked()


def test_copy_link_puts_the_view_on_the_clipboard(live_server, map_layers, open_page):
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + "/#map=13/45.7400/126.6200&layers=schools")
    wait_for_map(page)
    page.locator("[data-testid=share]").click()
    page.locator(".gp-share-copy").click()
    page.wait_for_selector(".gp-share-status:text('已复制到剪贴板')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == live_server.url + "/#map=13/45.7400/126.6200&layers=schools"
    page.locator(".gp-share-close").click()
    assert not page.locator(".gp-share-panel").is_visible()
    page.locator("[data-testid=share]").click()
    page.keyboard.press("Escape")
    assert not page.locator(".gp-share-panel").is_visible()
    assert page.locator("[data-testid=share]").get_attribute("aria-expanded") == "false"
