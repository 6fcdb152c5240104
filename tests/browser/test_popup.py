"""Clicking a feature opens a popup of its attributes, labelled from the layer's schema and
shown as text: a value that looks like HTML is never interpreted."""
from tests.browser.conftest import XSS_NAME, wait_for_map


def click_at(page, lat: float, lng: float) -> None:
    """A real mouse click on the map at a geographic position."""
    x, y = page.evaluate(
        """([lat, lng]) => {
            const point = window.geoportal.map.latLngToContainerPoint([lat, lng]);
            const box = document.getElementById("map").getBoundingClientRect();
            return [box.left + point.x, box.top + point.y];
        }""",
        [lat, lng],
    )
    page.mouse.click(x, y)


def open_popup(page, url: str, lat: float, lng: float):
    """Open the map at `url`, click at (lat, lng) and return the popup's content."""
    page.goto(url)
    wait_for_map(page)
    click_at(page, lat, lng)
    popup = page.locator(".leaflet-popup .gp-popup")
    popup.wait_for()
    return popup


def popup_rows(page) -> dict[str, str]:
    rows = page.locator(".leaflet-popup .gp-popup tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
            for i in range(rows.count())}


def test_popup_shows_labelled_escaped_attributes(page, live_server, map_layers):
    popup = open_popup(page, live_server.url + "/#map=13/45.74/126.62&layers=test-districts,schools", 45.74, 126.64)

    assert popup.get_attribute("data-layer") == "schools"
    assert popup.locator("h3").inner_text() == XSS_NAME
    assert popup.locator(".gp-popup-layer").inner_text().startswith("中小学校")
    rows = popup_rows(page)
    assert rows["名称"] == XSS_NAME
    assert rows["学段"] == "中学"  # the choice's label, not its value "middle"
    assert rows["寄宿"] == "是"
    assert rows["学生数"] == "1200"
    assert rows["建校日期"] == "—"
    # Text, not markup: no element was made from the value, and no alert ran (the fixture fails on dialogs).
    assert page.locator(".leaflet-popup img").count() == 0
    assert page.locator("img[src=x]").count() == 0


def test_clicking_a_district_opens_its_popup(page, live_server, map_layers):
    popup = open_popup(page, live_server.url + "/#map=12/45.74/126.60&layers=test-districts", 45.76, 126.55)
    assert popup.locator("h3").inner_text() == "道里区"
    assert popup_rows(page) == {"名称": "道里区", "英文名称": "Daoli District"}
