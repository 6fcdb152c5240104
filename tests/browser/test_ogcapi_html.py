"""The OGC API HTML pages in a browser: a table of the features and a small map, all local."""


def test_items_page_shows_a_table_and_a_map(page, live_server, school_layer):
    page.goto(live_server.url + "/ogc/collections/schools/items?f=html")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-overlay-pane path").count() == 3
    assert page.locator("tbody tr").count() == 3
    page.locator("tbody tr a").first.click()
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator("table th", has_text="pupils").count() == 1
