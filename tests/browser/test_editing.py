"""Browser editing: an editor draws a polygon, fills the form (required field error first),
saves, reloads and finds it, moves a vertex, restores the first version; and two editors
saving the same feature where the second gets the conflict dialog."""
from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry

from layers.history.models import FeatureVersion
from layers.models import Feature, Layer
from layers.services import feature_create, feature_update
from tests.browser.conftest import login
from tests.conftest import make_layer

SCHEMA = [
    {"name": "name", "type": "string", "required": True, "label_zh": "名称", "label_en": "Name"},
    {"name": "use", "type": "choice", "required": True, "label_zh": "用途", "label_en": "Use",
     "choices": [{"value": "park", "label_zh": "公园", "label_en": "Park"},
                 {"value": "school", "label_zh": "学校", "label_en": "School"}]},
    {"name": "floors", "type": "integer", "label_zh": "层数", "label_en": "Floors"},
]


@pytest.fixture
def parcels(departments):
    return make_layer("parcels", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                      visibility=Layer.Visibility.DEPARTMENT, schema=SCHEMA)


def start_editing(page, live_server, slug="parcels"):
    page.goto(live_server.url + "/")
    page.select_option("#gp-edit-layer", slug)
    page.click("#gp-edit-toggle")
    page.wait_for_selector(".leaflet-pm-toolbar")


def map_center(page):
    box = page.locator("#map").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def click_feature(page):
    path = page.locator(".leaflet-overlay-pane path").first
    box = path.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#gp-edit-panel:not([hidden])")


def save_and_wait(page, status="已保存"):
    page.click("#gp-edit-panel [data-action=save]")
    page.wait_for_selector(f".gp-status:has-text('{status}')")


def test_draw_save_reload_move_vertex_and_restore(page, live_server, parcels, users, page_problems):
    login(page, live_server, "p_editor", "pw-p_editor")
    start_editing(page, live_server)

    page.click(".leaflet-pm-icon-polygon")
    cx, cy = map_center(page)
    corners = [(cx - 80, cy - 60), (cx + 80, cy - 60), (cx + 80, cy + 60), (cx - 80, cy + 60)]
    for x, y in corners + corners[:1]:
        page.mouse.click(x, y)
    page.wait_for_selector("#gp-edit-panel:not([hidden])")

    # Both required fields are empty: both show errors and the first is focused.
    page.select_option("#gp-field-use", "")
    page.click("#gp-edit-panel [data-action=save]")
    assert page.text_content("#gp-error-name") == "此项为必填项。"
    assert page.text_content("#gp-error-use") == "此项为必填项。"
    assert page.evaluate("document.activeElement.id") == "gp-field-name"
    assert not Feature.objects.exists()

    page.fill("#gp-field-name", "松北公园")
    page.select_option("#gp-field-use", "park")
    page.fill("#gp-field-floors", "2")
    save_and_wait(page)
    feature = Feature.objects.get(layer=parcels)
    assert feature.properties == {"name": "松北公园", "use": "park", "floors": 2} and feature.version == 1
    original = feature.geom.clone()
    assert original.geom_type == "Polygon" and len(original.coords[0]) == 5

    page.reload()
    page.select_option("#gp-edit-layer", "parcels")
    page.click("#gp-edit-toggle")
    page.wait_for_selector(".leaflet-overlay-pane path")
    click_feature(page)
    assert page.input_value("#gp-field-name") == "松北公园"
    assert page.input_value("#gp-edit-panel input[name=version]") == "1"

    # Drag the first vertex handle 40 px right and save.
    handle = page.locator(".leaflet-marker-pane .marker-icon:not(.marker-icon-middle)").first
    box = handle.bounding_box()
    hx, hy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(hx, hy)
    page.mouse.down()
    page.mouse.move(hx + 20, hy + 10, steps=4)
    page.mouse.move(hx + 40, hy + 20, steps=4)
    page.mouse.up()
    save_and_wait(page)
    feature.refresh_from_db()
    assert feature.version == 2 and not feature.geom.equals(original)

    click_feature(page)
    page.click("#gp-edit-panel [data-action=history]")
    page.wait_for_selector(".gp-history li[data-version='1']")
    assert page.locator(".gp-history li").count() == 2
    assert page.locator(".gp-history li[data-version='1'] svg polygon").count() == 1
    page.click(".gp-history li[data-version='1'] .gp-restore")
    page.wait_for_selector(".gp-history li[data-version='3']")
    feature.refresh_from_db()
    assert feature.version == 3 and feature.geom.equals_exact(original, 1e-9)
    assert FeatureVersion.objects.get(feature_id=feature.pk, version=3).action == "restore"

    # Delete with confirmation, then bring it back from the layer's deleted features.
    page.click("#gp-edit-panel [data-action=delete]")
    page.click("[data-testid=confirm] [data-action=confirm]")
    page.wait_for_selector(".gp-status:has-text('已删除')")
    assert not Feature.objects.filter(pk=feature.pk).exists()
    assert page.locator(".leaflet-overlay-pane path").count() == 0
    page.click("#gp-edit-deleted")
    page.click(f"[data-testid=deleted] li[data-feature='{feature.pk}'] .gp-undelete")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert Feature.objects.get(pk=feature.pk).version == 5


def test_second_save_of_the_same_feature_gets_the_conflict_dialog(page, open_page, live_server, parcels, users,
                                                                   page_problems):
    page_problems.allow_console("412")
    square = {"type": "Polygon", "coordinates": [[[126.62, 45.74], [126.66, 45.74], [126.66, 45.77],
                                                  [126.62, 45.77], [126.62, 45.74]]]}
    feature = feature_create(layer=parcels, geometry=GEOSGeometry(json.dumps(square), srid=4326),
                             properties={"name": "旧名", "use": "park"})
    other = open_page()
    for browser_page, name in ((page, "p_editor"), (other, "p_manager")):
        login(browser_page, live_server, name, f"pw-{name}")
        start_editing(browser_page, live_server)
        browser_page.wait_for_selector(".leaflet-overlay-pane path")
        click_feature(browser_page)

    page.fill("#gp-field-name", "编辑甲的名称")
    save_and_wait(page)
    other.fill("#gp-field-name", "经理乙的名称")
    other.click("#gp-edit-panel [data-action=save]")
    dialog = other.locator("[data-testid=conflict]")
    dialog.wait_for()
    assert dialog.locator("tr[data-field=name] .gp-theirs").text_content() == "编辑甲的名称"
    assert dialog.locator("tr[data-field=name] .gp-yours").text_content() == "经理乙的名称"
    assert "p_editor" in dialog.text_content()
    feature.refresh_from_db()
    assert feature.properties["name"] == "编辑甲的名称" and feature.version == 2

    dialog.locator("[data-action=reapply]").click()
    other.wait_for_selector(".gp-status:has-text('已保存')")
    feature.refresh_from_db()
    assert feature.properties["name"] == "经理乙的名称" and feature.version == 3
    assert feature.updated_by == users["planning_manager"]


def test_staff_restore_a_version_from_the_feature_popup(page, live_server, departments, users):
    layer = make_layer("parks", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, schema=SCHEMA)
    square = GEOSGeometry("POLYGON((126.62 45.74, 126.66 45.74, 126.66 45.77, 126.62 45.77, 126.62 45.74))", srid=4326)
    feature = feature_create(layer=layer, geometry=square, properties={"name": "初名", "use": "park"})
    feature_update(feature=feature, base_version=1, properties={"name": "改名", "use": "park"})
    login(page, live_server, "p_editor", "pw-p_editor")
    page.wait_for_selector(".leaflet-overlay-pane path")
    click_path = page.locator(".leaflet-overlay-pane path").first.bounding_box()
    page.mouse.click(click_path["x"] + click_path["width"] / 2, click_path["y"] + click_path["height"] / 2)
    page.click(".gp-popup [data-action=popup-history]")
    page.wait_for_selector(".gp-popup .gp-history li[data-version='1']")
    assert page.locator(".gp-popup .gp-history li").count() == 2
    page.click(".gp-popup .gp-history li[data-version='1'] .gp-restore")
    page.wait_for_selector(".leaflet-popup", state="detached")
    feature.refresh_from_db()
    assert feature.version == 3 and feature.properties["name"] == "初名"


def test_split_a_polygon_with_a_drawn_line(page, live_server, parcels, users):
    square = GEOSGeometry("POLYGON((126.62 45.74, 126.66 45.74, 126.66 45.77, 126.62 45.77, 126.62 45.74))", srid=4326)
    feature = feature_create(layer=parcels, geometry=square, properties={"name": "整块", "use": "park"})
    login(page, live_server, "p_editor", "pw-p_editor")
    start_editing(page, live_server)
    page.wait_for_selector(".leaflet-overlay-pane path")
    click_feature(page)
    box = page.locator(".leaflet-overlay-pane path").first.bounding_box()
    page.click("#gp-edit-panel [data-action=split]")
    x = box["x"] + box["width"] / 2
    page.mouse.click(x, box["y"] - 30)
    page.mouse.click(x, box["y"] + box["height"] + 30)
    page.mouse.click(x, box["y"] + box["height"] + 30)
    page.wait_for_selector(".gp-status:has-text('已保存')")
    parts = list(Feature.objects.filter(layer=parcels).order_by("id"))
    assert [p.pk == feature.pk for p in parts] == [True, False]
    assert parts[0].version == 2 and parts[1].properties == {"name": "整块", "use": "park"}
    assert page.locator(".leaflet-overlay-pane path").count() == 2


def test_invalid_geometry_is_refused_with_its_reason_and_repaired_on_request(page, live_server, parcels, users,
                                                                              page_problems):
    page_problems.allow_console("400")
    login(page, live_server, "p_editor", "pw-p_editor")
    start_editing(page, live_server)
    page.click(".leaflet-pm-icon-polygon")
    cx, cy = map_center(page)
    bowtie = [(cx - 80, cy - 60), (cx + 80, cy + 60), (cx + 80, cy - 60), (cx - 80, cy + 60)]
    for x, y in bowtie + bowtie[:1]:
        page.mouse.click(x, y)
    page.wait_for_selector("#gp-edit-panel:not([hidden])")
    page.fill("#gp-field-name", "蝴蝶")
    page.select_option("#gp-field-use", "park")
    page.click("#gp-edit-panel [data-action=save]")
    page.wait_for_selector("#gp-geometry-error:has-text('Self-intersection')")
    assert not Feature.objects.exists()
    page.click("#gp-edit-panel .gp-repair")
    page.click("#gp-edit-panel .gp-use-repaired")
    assert page.input_value("#gp-field-name") == "蝴蝶"
    save_and_wait(page)
    feature = Feature.objects.get(layer=parcels)
    assert feature.geom.geom_type == "MultiPolygon" and feature.geom.valid and len(feature.geom) == 2
