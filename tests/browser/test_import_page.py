"""The import page: upload, preview on the map with the field mapping, import with progress."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from geoportal.accounts.models import User
from layers.models import Feature, Layer
from tests.conftest import make_user
from tests.io_samples import POINTS, write_geojson


@pytest.fixture
def editor(departments):
    return make_user("importer", department=departments["planning"], role=User.Role.MANAGER)


def login(page, live_server, user) -> None:
    """Sign in by session cookie (the project has no login template yet)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def test_preview_then_import_a_new_layer(page, live_server, editor, tmp_path):
    login(page, live_server, editor)
    page.goto(live_server.url + "/")
    page.click("[data-testid=import-link]")
    page.wait_for_url("**/import/")
    page.set_input_files("[data-testid=import-file]", str(write_geojson(tmp_path)))
    page.fill("[data-testid=import-title]", "浏览器导入")
    page.click("[data-testid=import-preview]")
    page.wait_for_selector("[data-testid=import-mapping] select")
    assert page.locator("#gp-import-map .leaflet-overlay-pane path").count() == 3
    assert not Layer.objects.filter(title_zh="浏览器导入").exists()  # a preview writes nothing
    page.select_option("[data-testid=import-mapping] select[name=level]", "")
    page.click("[data-testid=import-run]")
    page.wait_for_selector("[data-testid=import-report] a[data-slug]")
    assert page.locator("#gp-import-progress").get_attribute("value") == "100"
    layer = Layer.objects.get(title_zh="浏览器导入")
    assert sorted(Feature.objects.filter(layer=layer).values_list("name", flat=True)) == sorted(p[2] for p in POINTS)
    assert all("level" not in f.properties for f in Feature.objects.filter(layer=layer))


def test_refusal_is_shown(page, live_server, editor, tmp_path, page_problems):
    page_problems.allow_console("422")
    login(page, live_server, editor)
    page.goto(live_server.url + "/import/")
    bad = tmp_path / "x.kml"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><kml/>')
    page.set_input_files("[data-testid=import-file]", str(bad))
    page.fill("[data-testid=import-title]", "坏文件")
    page.click("[data-testid=import-preview]")
    page.wait_for_selector(".gp-import-status.error")
    assert "DOCTYPE" in page.text_content("#gp-import-status")


def test_csv_columns_are_detected_and_shown(page, live_server, editor, tmp_path):
    login(page, live_server, editor)
    page.goto(live_server.url + "/import/")
    csv_path = tmp_path / "points.csv"
    csv_path.write_bytes("名称,经度,纬度\n学校,126.63,45.75\n".encode("gbk"))
    page.set_input_files("[data-testid=import-file]", str(csv_path))
    page.fill("[data-testid=import-title]", "CSV")
    page.click("[data-testid=import-preview]")
    page.wait_for_selector(".gp-detected")
    assert "经度列 经度" in page.text_content(".gp-detected")
    assert page.input_value("input[name=x_field]") == "经度"
    assert page.input_value("select[name=encoding]") == "GB18030"
    assert page.locator("#gp-import-map .leaflet-overlay-pane path").count() == 1
