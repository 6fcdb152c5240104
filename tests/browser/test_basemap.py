"""No base map unless configured: the page then requests nothing but the server. With
BASEMAP_URL set, its tiles are drawn under the layers with the configured attribution."""
from urllib.parse import urlparse

from tests.browser.conftest import wait_for_map


def test_without_a_base_map_every_request_goes_to_the_server(page, live_server, map_layers):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("() => window.geoportal.map.getZoom() === 12")
    server = urlparse(live_server.url)
    assert requested, "the page made requests"
    assert {(urlparse(u).hostname, urlparse(u).port) for u in requested if not u.startswith("data:")} == {
        (server.hostname, server.port)}
    assert any("/api/layers/schools/features/" in u for u in requested)
    assert page.locator(".leaflet-tile").count() == 0


def test_a_configured_base_map_draws_its_tiles(page, live_server, map_layers, settings):
    # Any image on the server stands in for a tile service.
    settings.BASEMAP_URL = live_server.url + "/static/frontend/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"
    settings.BASEMAP_ATTRIBUTION = "底图 © 测试 <b>bold</b>"
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.wait_for_selector(".gp-basemap img.leaflet-tile-loaded")
    tiles = page.locator(".gp-basemap img.leaflet-tile")
    assert tiles.count() >= 4
    assert "z=11&" in tiles.first.get_attribute("src")
    attribution = page.locator(".leaflet-control-attribution")
    assert "底图 © 测试 <b>bold</b>" in attribution.inner_text()  # shown as text
    assert attribution.locator("b").count() == 0
    # The base map stays under the layers.
    assert page.locator(".leaflet-gp-point-pane path").count() == 3
