"""The resource catalogue page: a pinyin search, a facet, a record page with its preview map
(the layer's image tiles) and data dictionary; a manager's edit through the form."""
from geoportal.accounts.models import User
from layers.models import Layer
from tests.browser.conftest import login
from tests.conftest import make_layer, make_user


def test_search_by_pinyin_then_a_facet_then_the_record_with_its_preview(page, live_server, map_layers, departments):
    make_layer("zoning", departments["planning"], visibility=Layer.Visibility.STAFF, theme="planning")
    page.goto(live_server.url + "/catalogue/")
    # The public sees the three public records, not the staff-only one.
    assert page.locator("[data-testid=catalogue-record]").count() == 3
    assert page.locator("[data-slug=zoning]").count() == 0

    page.fill("[data-testid=catalogue-q]", "zxxx")  # 中小学校 by its initials
    page.click("[data-testid=catalogue-search]")
    page.wait_for_url("**/catalogue/?q=zxxx")
    assert page.locator("[data-testid=catalogue-record]").count() == 1
    assert page.locator("[data-testid=catalogue-record] h2").inner_text() == "中小学校"

    page.click("[data-testid=catalogue-reset]")
    page.locator("[data-testid=facet-department] a", has_text="规划局").click()
    assert sorted(page.locator("[data-testid=catalogue-record]").evaluate_all(
        "items => items.map(i => i.dataset.slug)")) == ["roads", "test-districts"]

    page.goto(live_server.url + "/catalogue/schools/")
    assert page.locator("[data-testid=record-title]").inner_text() == "中小学校"
    assert "pupils" in page.locator("[data-testid=record-fields]").inner_text()
    assert "/ogc/collections/schools/items" in page.locator("[data-testid=record-links]").inner_text()
    # The preview map fetches the layer's own image tiles from this server.
    tile = page.wait_for_selector(".gp-preview-tiles img.leaflet-tile-loaded", timeout=15000)
    assert "/tiles/schools/" in tile.get_attribute("src")


def test_a_manager_fills_the_record_in_the_form(page, live_server, map_layers, departments, page_problems):
    page_problems.allow_console("400 (Bad Request)")  # the form with errors is answered 400
    make_user("e_manager", department=departments["education"], role=User.Role.MANAGER)
    login(page, live_server, "e_manager", "pw-e_manager")
    page.goto(live_server.url + "/catalogue/schools/")
    page.click("[data-testid=record-edit]")
    page.fill("input[name=keywords]", "学校, 教育")
    page.fill("input[name=review_number]", "not a number")
    page.click("[data-testid=record-save]")
    assert "GS(2024)1234号" in page.locator("[data-testid=error-review_number]").inner_text()
    page.fill("input[name=review_number]", "黑S(2023)012号")
    page.fill("input[name=field_zh__pupils]", "在校学生总数")
    page.click("[data-testid=record-save]")
    page.wait_for_url("**/catalogue/schools/")
    assert page.locator("[data-testid=record-review-number]").inner_text() == "黑S(2023)012号"
    assert "在校学生总数" in page.locator("[data-testid=record-fields]").inner_text()
