"""The layer list: themes, legend swatches from each layer's style, switches, zoom to a layer's
extent, zoom ranges and attributions."""
from django.contrib.gis.geos import Point

from layers.models import Layer
from layers.services import feature_create
from tests.browser.conftest import wait_for_map


def map_state(page):
    return page.evaluate("() => ({zoom: window.geoportal.map.getZoom(),"
                         " bounds: window.geoportal.map.getBounds().toBBoxString().split(',').map(Number)})")


def test_layers_are_grouped_by_theme_with_swatches_from_their_style(page, live_server, map_layers):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    themes = page.locator("section.gp-theme")
    assert [themes.nth(i).get_attribute("data-theme") for i in range(themes.count())] == [
        "boundaries", "education", "transport"]
    assert page.locator("section.gp-theme h2").all_inner_texts() == ["行政区划", "教育", "交通"]
    assert page.locator("li[data-layer=schools] .gp-layer-title").inner_text() == "中小学校"
    assert page.locator("li[data-layer=schools] .gp-demo").inner_text() == "示例数据"

    # Point symbol, line and polygon, in the layers' own colours.
    point = page.locator("svg[data-swatch=schools] circle")
    assert (point.get_attribute("fill"), point.get_attribute("stroke")) == ("#f08a4b", "#b5451b")
    line = page.locator("svg[data-swatch=roads] path")
    assert (line.get_attribute("stroke"), line.get_attribute("fill")) == ("#7a3db8", "none")
    polygon = page.locator("svg[data-swatch=test-districts] path")
    assert (polygon.get_attribute("fill"), polygon.get_attribute("stroke")) == ("#dfe6ea", "#5b6770")

    # Features drawn with the same style: schools as circle markers of the style's radius.
    markers = page.locator(".leaflet-gp-point-pane path")
    assert markers.count() == 3
    assert markers.first.get_attribute("fill") == "#f08a4b"
    radius = page.evaluate("() => window.geoportal.layers.overlay('schools').getLayers()[0].getRadius()")
    assert radius == 7
    # Points are filled more solidly than the layer's polygon fill, and stay so after a hover.
    assert float(markers.first.get_attribute("fill-opacity")) == 0.7
    markers.first.hover()
    assert float(markers.first.get_attribute("stroke-width")) == 3
    page.mouse.move(5, 700)
    page.wait_for_function(
        "() => document.querySelector('.leaflet-gp-point-pane path').getAttribute('stroke-width') === '1.5'")
    assert float(markers.first.get_attribute("fill-opacity")) == 0.7


def test_switching_a_layer_off_and_on_removes_and_redraws_it_with_its_attribution(page, live_server, map_layers):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    attribution = page.locator(".leaflet-control-attribution")
    assert "学校示例数据" in attribution.inner_text()
    assert "边界数据 © 测试来源" in attribution.inner_text()

    page.locator("#gp-layer-schools").uncheck()
    assert page.locator(".leaflet-gp-point-pane path").count() == 0
    assert "学校示例数据" not in attribution.inner_text()
    assert "边界数据 © 测试来源" in attribution.inner_text()

    page.locator("#gp-layer-schools").check()
    assert page.locator(".leaflet-gp-point-pane path").count() == 3
    assert "学校示例数据" in attribution.inner_text()

    # A module that changed a layer's features asks for it to be drawn afresh.
    feature_create(layer=map_layers["schools"], geometry=Point(126.62, 45.73, srid=4326),
                   properties={"name": "第四中学", "level": "primary"})
    page.evaluate("() => window.geoportal.layers.reload('schools')")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-gp-point-pane path').length === 4")
    assert "学校示例数据" in attribution.inner_text()


def test_a_layer_outside_its_zoom_range_is_not_drawn_until_zoomed_to(page, live_server, map_layers):
    Layer.objects.filter(slug="schools").update(max_zoom=12)
    page.goto(live_server.url + "/")
    wait_for_map(page)
    assert map_state(page)["zoom"] == 11
    assert page.locator(".leaflet-gp-point-pane path").count() == 3
    roads = page.locator("li[data-layer=roads]")
    assert page.locator("#gp-layer-roads").is_checked()
    assert "gp-out-of-range" in roads.get_attribute("class")
    assert roads.locator(".gp-layer-status").inner_text() == "在 13–22 级可见"
    assert page.locator(".leaflet-gp-line-pane path").count() == 0

    roads.locator(".gp-zoom").click()
    page.wait_for_selector(".leaflet-gp-line-pane path", state="attached")  # a flat line: no height
    assert map_state(page)["zoom"] >= 13
    assert "gp-out-of-range" not in roads.get_attribute("class")
    assert page.locator(".leaflet-gp-line-pane path").get_attribute("stroke") == "#7a3db8"
    # Schools stop at zoom 12.
    assert page.locator(".leaflet-gp-point-pane path").count() == 0
    assert page.locator("li[data-layer=schools] .gp-layer-status").inner_text() == "在 0–12 级可见"

    page.locator(".leaflet-control-zoom-out").click()
    page.locator(".leaflet-control-zoom-out").click()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-gp-line-pane path').length === 0")
    assert map_state(page)["zoom"] < 13
    assert "gp-out-of-range" in roads.get_attribute("class")


def test_zoom_to_a_layer_fits_its_extent(page, live_server, map_layers):
    page.goto(live_server.url + "/#map=5/40.0/110.0&layers=test-districts")
    wait_for_map(page)
    page.locator("li[data-layer=test-districts] .gp-zoom").click()
    page.wait_for_function("() => window.geoportal.map.getZoom() > 5")
    page.wait_for_timeout(300)  # the fit is animated
    west, south, east, north = map_state(page)["bounds"]
    extent = map_layers["districts"].extent.extent  # (126.52, 45.70, 126.68, 45.78)
    assert west <= extent[0] and south <= extent[1] and east >= extent[2] and north >= extent[3]
    assert east - west < 1.0, "zoomed close to the layer, not left at country scale"
