"""Chinese by default; the English switch translates the page, the layers' titles, themes and
schema labels, and keeps the view; switching back restores Chinese."""
from tests.browser.conftest import wait_for_map
from tests.browser.test_popup import click_at, popup_rows

VIEW = "#map=12/45.7400/126.6200&layers=test-districts,schools"


def test_language_switch_translates_page_and_layers_and_keeps_the_view(page, live_server, map_layers):
    page.goto(live_server.url + "/" + VIEW)
    wait_for_map(page)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".gp-panel-heading").inner_text() == "图层"
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert page.locator("[data-testid=lang-switch]").inner_text() == "English"

    page.locator("[data-testid=lang-switch]").click()
    page.wait_for_selector("html[lang=en]")
    wait_for_map(page)
    assert page.url == live_server.url + "/" + VIEW
    assert page.title() == "City Spatial Information Public Service Platform"
    assert page.locator(".gp-title").inner_text() == "City Spatial Information Public Service Platform"
    assert page.locator("[data-testid=login]").inner_text() == "Log in"
    assert page.locator("section.gp-theme h2").all_inner_texts() == ["Boundaries", "Education", "Transport"]
    titles = page.locator(".gp-layer-title").all_inner_texts()
    assert titles == ["Test districts", "Schools", "roads layer"]
    assert page.locator("li[data-layer=schools] .gp-demo").inner_text() == "demo data"
    assert page.locator("li[data-layer=schools] .gp-zoom").get_attribute("title") == "Zoom to layer extent"
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom in"
    # Labels use the English sibling of the label field (name_zh -> name_en).
    assert "Nangang District" in [t.strip() for t in page.locator(".gp-label").all_inner_texts()]
    assert page.locator("li[data-layer=roads] .gp-layer-status").inner_text() == "Visible at zoom 13–22"

    click_at(page, 45.74, 126.64)
    page.locator(".leaflet-popup .gp-popup").wait_for()
    rows = popup_rows(page)
    assert rows["Level"] == "Middle"
    assert rows["Boarding"] == "Yes"
    assert rows["Pupils"] == "1200"
    page.locator(".leaflet-popup-close-button").click()

    page.locator("[data-testid=lang-switch]").click()
    page.wait_for_selector("html[lang=zh-CN]")
    wait_for_map(page)
    assert page.url == live_server.url + "/" + VIEW
    assert page.locator(".gp-title").inner_text() == "城市空间地理信息公共服务平台"
    assert page.locator(".gp-layer-title").all_inner_texts() == ["测试行政区", "中小学校", "roads 图层"]
    assert "南岗区" in [t.strip() for t in page.locator(".gp-label").all_inner_texts()]
