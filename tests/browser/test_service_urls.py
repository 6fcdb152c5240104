"""Each layer's info dialog lists the map services that publish it, as absolute URLs of this
server, each with a copy button: the Clipboard API where the page may use it, else the URL is
selected for Ctrl+C. zh and en labels."""

from tests.browser.conftest import wait_for_map

CLIPBOARD = ["clipboard-read", "clipboard-write"]


def open_info(page, slug):
    page.locator(f".gp-layer[data-layer={slug}] .gp-info-button").click()
    dialog = page.locator(f"[data-testid=layer-info][data-layer={slug}]")
    dialog.wait_for()
    return dialog


def urls(dialog) -> dict[str, str]:
    return {row.get_attribute("data-service"): row.locator("input").input_value()
            for row in dialog.locator(".gp-service").all()}


def test_a_vector_layer_lists_its_services_and_copies_one(open_page, live_server, map_layers):
    page = open_page(permissions=CLIPBOARD)
    page.goto(live_server.url + "/")
    wait_for_map(page)
    dialog = open_info(page, "schools")
    assert dialog.locator("h2").inner_text() == "中小学校"
    base = live_server.url
    matrix = "{TileMatrix}/{TileRow}/{TileCol}.png"
    assert urls(dialog) == {
        "wms": f"{base}/wms?SERVICE=WMS&REQUEST=GetCapabilities",
        "wmsLayer": "schools",
        "wmts": f"{base}/wmts/1.0.0/WMTSCapabilities.xml",
        "wmtsWebMercator": f"{base}/wmts/1.0.0/schools/default/WebMercatorQuad/{matrix}",
        "wmtsTianditu": f"{base}/wmts/1.0.0/schools/default/c/{matrix}",
        "xyz": f"{base}/tiles/schools/{{z}}/{{x}}/{{y}}.png",
        "mvt": f"{base}/tiles/schools/{{z}}/{{x}}/{{y}}.mvt",
        "tilejson": f"{base}/tiles/schools.json",
        "ogcTiles": f"{base}/ogc/collections/schools/tiles",
        "ogcMaps": f"{base}/ogc/collections/schools/map",
        "ogcFeatures": f"{base}/ogc/collections/schools/items",
    }
    assert "OGC API - Tiles" in dialog.inner_text() and "天地图" in dialog.inner_text()

    row = dialog.locator(".gp-service[data-service=wms]")
    row.locator(".gp-service-copy").click()
    row.locator(".gp-service-status:text-is('已复制')").wait_for()  # the copy resolves asynchronously
    assert page.evaluate("navigator.clipboard.readText()") == f"{base}/wms?SERVICE=WMS&REQUEST=GetCapabilities"
    features = dialog.locator(".gp-service[data-service=ogcFeatures]")
    features.locator(".gp-service-copy").click()
    features.locator(".gp-service-status:text-is('已复制')").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{base}/ogc/collections/schools/items"
    # A feature URL copied is one the server answers (the features service is already there).
    assert page.request.get(f"{base}/ogc/collections/schools/items?f=json").status == 200

    dialog.get_by_role("button", name="关闭").click()
    dialog.wait_for(state="detached")


def test_without_clipboard_access_the_url_is_selected_for_copying_by_hand(page, live_server, map_layers):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page.goto(live_server.url + "/")
    wait_for_map(page)
    row = open_info(page, "roads").locator(".gp-service[data-service=xyz]")
    row.locator(".gp-service-copy").click()
    row.locator(".gp-service-status:text-is('请按 Ctrl+C（⌘C）复制')").wait_for()
    selected = page.evaluate("() => { const i = document.activeElement;"
                             " return i.value.slice(i.selectionStart, i.selectionEnd); }")
    assert selected == f"{live_server.url}/tiles/roads/{{z}}/{{x}}/{{y}}.png"


def test_english_labels(page, live_server, map_layers, settings):
    settings.BASEMAP_URL = live_server.url + "/static/frontend/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + "/")
    wait_for_map(page)
    dialog = open_info(page, "schools")
    assert dialog.locator("h2").inner_text() == "Schools"
    text = dialog.inner_text()
    assert "Service URLs" in text and "Tianditu longitude/latitude c" in text and "OGC API - Features items" in text
    assert dialog.locator(".gp-service-copy").first.inner_text() == "Copy"
    dialog.get_by_role("button", name="Close").click()
    assert page.locator(".gp-layer[data-layer=schools] .gp-opacity").get_attribute("aria-label") == "Opacity: Schools"
    switcher = page.locator("[data-testid=basemap-select]")
    assert [o.inner_text() for o in switcher.locator("option").all()] == ["No base map", "Online base map"]



def test_a_raster_layer_has_no_feature_services(page, live_server, map_layers, elevation):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    dialog = open_info(page, "dem")
    services = urls(dialog)
    assert services["xyz"] == f"{live_server.url}/tiles/dem/{{z}}/{{x}}/{{y}}.png"
    assert services["ogcMaps"] == f"{live_server.url}/ogc/collections/dem/map"
    assert "mvt" not in services and "ogcFeatures" not in services
    assert "高程" in dialog.locator(".gp-info-facts").inner_text()
    # Raster layers have no feature download.
    assert page.locator(".gp-layer[data-layer=dem] .gp-download-button").count() == 0
