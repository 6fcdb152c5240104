"""No base map unless configured: the page then requests nothing but the server. With
BASEMAP_URL set, its tiles are drawn under the layers with the configured attribution. The
switcher offers none, the configured service and each visible raster layer; the choice is kept
in the browser and in the share link."""
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



def test_a_raster_layer_as_base_map_kept_across_reloads_and_in_the_link(open_page, live_server, map_layers,
                                                                          elevation, settings):
    settings.BASEMAP_URL = ""
    settings.TIANDITU_KEY = ""
    page = open_page()
    seen = []
    page.on("response", lambda r: seen.append((r.status, r.headers.get("content-type"), r.url))
            if "/tiles/dem/" in r.url else None)
    page.goto(f"{live_server.url}/#map=13/45.7500/126.6400&layers=schools")
    wait_for_map(page)
    select = page.locator("[data-testid=basemap-select]")
    assert [o.get_attribute("value") for o in select.locator("option").all()] == ["none", "layer:dem"]
    assert select.input_value() == "none" and not seen

    select.select_option("layer:dem")
    page.wait_for_selector(".gp-basemap-raster img.leaflet-tile-loaded")
    assert seen and all(status == 200 and kind == "image/png" for status, kind, _ in seen), seen
    # The base map is under the overlays, in Leaflet's tile pane; the layer itself stays off.
    assert page.locator(".leaflet-tile-pane .gp-basemap-raster").count() == 1
    assert not page.locator("#gp-layer-dem").is_checked()
    page.wait_for_function("() => location.hash.endsWith('&base=layer%3Adem')")
    link = page.url

    # Kept in this browser: a plain reload of the page shows it again.
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.wait_for_selector(".gp-basemap-raster img.leaflet-tile-loaded")
    assert page.locator("[data-testid=basemap-select]").input_value() == "layer:dem"

    # The link carries it to another browser; "none" takes it away.
    other = open_page()
    other.goto(link)
    wait_for_map(other)
    other.wait_for_selector(".gp-basemap-raster img.leaflet-tile-loaded")
    other.locator("[data-testid=basemap-select]").select_option("none")
    assert other.locator(".gp-basemap").count() == 0
    assert "base=" not in other.url
    assert other.locator(".leaflet-gp-point-pane path").count() == 3  # usable with no base map


def test_the_configured_base_map_and_the_raster_layers_are_offered(page, live_server, map_layers, elevation, settings):
    settings.BASEMAP_URL = live_server.url + "/static/frontend/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"
    page.goto(live_server.url + "/")
    wait_for_map(page)
    select = page.locator("[data-testid=basemap-select]")
    assert [o.get_attribute("value") for o in select.locator("option").all()] == ["none", "default", "layer:dem"]
    assert select.input_value() == "default"
    page.wait_for_selector(".gp-basemap img.leaflet-tile-loaded")
    select.select_option("none")
    assert page.locator(".gp-basemap").count() == 0
    page.wait_for_function("() => location.hash.endsWith('&base=none')")
