"""The map page opens on the city and draws the district boundaries as its backdrop."""
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Polygon

from fixtures.boundaries import ATTRIBUTION, city_districts
from layers.models import Layer
from layers.services import feature_create
from tests.browser.conftest import wait_for_map
from tests.conftest import make_layer


def test_map_page_draws_a_public_layer(page, live_server, departments):
    layer = make_layer("districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=[{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"}],
                       theme="boundaries")
    feature_create(layer=layer, geometry=MultiPolygon(Polygon.from_bbox((126.60, 45.70, 126.70, 45.80)), srid=4326),
                   properties={"name": "南岗区"})
    page.goto(live_server.url + "/")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator("#gp-layer-districts").is_checked()
    assert page.locator(".leaflet-overlay-pane path").count() == 1


def test_map_opens_on_the_city_with_the_harbin_districts(page, live_server, harbin_demo):
    page.goto(live_server.url + "/")
    wait_for_map(page)

    # Centred on the city at the configured zoom, in Chinese.
    zoom, lat, lng = page.evaluate(
        "() => { const m = window.geoportal.map; const c = m.getCenter(); return [m.getZoom(), c.lat, c.lng]; }")
    assert zoom == settings.MAP_ZOOM
    assert abs(lat - settings.MAP_CENTER[0]) < 1e-3 and abs(lng - settings.MAP_CENTER[1]) < 1e-3
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".gp-title").inner_text() == "城市空间地理信息公共服务平台"

    # All 18 districts drawn, underneath everything else, and listed under their theme.
    assert page.locator(".leaflet-gp-backdrop-pane path").count() == harbin_demo["districts"] == 18
    assert page.locator("section[data-theme=boundaries] h2").inner_text() == "行政区划"
    assert page.locator("#gp-layer-districts").is_checked()

    # District names label the backdrop at the opening zoom; no base map tiles (the demo
    # elevation layer's tiles are an overlay, in their own pane).
    # (Other layers, such as the service centres, may add their own labels at this zoom.)
    district_names = {d.name_zh for d in city_districts(settings.GEOPORTAL_CITY_CODE)}
    labels = [text.strip() for text in page.locator(".leaflet-tooltip.gp-label").all_inner_texts()]
    assert sorted(t for t in labels if t in district_names) == sorted(district_names)
    assert page.locator(".leaflet-tile-pane .leaflet-tile").count() == 0
    assert page.locator(".leaflet-gp-raster-pane .gp-raster-harbin-elevation-demo .leaflet-tile").count() > 0

    # A metric scale bar and the boundaries' attribution.
    assert page.locator(".leaflet-control-scale-line").inner_text().endswith("km")
    assert ATTRIBUTION in page.locator(".leaflet-control-attribution").inner_text()
