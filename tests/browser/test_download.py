"""Downloading a layer from the layer list: format, coordinate system, whole layer or the current
view; the files are read back with GDAL."""
import json
import subprocess

import pytest
from pyproj import Transformer

from layers.gcj02 import wgs84_to_gcj02
from layers.models import Layer
from tests.browser.conftest import XSS_NAME, login, wait_for_map
from tests.conftest import make_user


def read_back(path) -> dict:
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path)], capture_output=True, check=True)
    return json.loads(out.stdout)


def download(page, tmp_path, *, fmt: str, crs: str = "EPSG:4326", view: bool = False):
    dialog = page.get_by_test_id("download")
    dialog.locator("select[name=format]").select_option(fmt)
    dialog.locator("select[name=crs]").select_option(crs)
    dialog.locator(f"input[name=extent][value={'view' if view else 'layer'}]").check()
    with page.expect_download() as info:
        dialog.get_by_test_id("download-go").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert info.value.failure() is None
    return target


def test_download_a_layer_whole_or_in_view_in_a_chosen_crs(page, live_server, map_layers, tmp_path):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator("li[data-layer=schools] .gp-download-button").click()
    dialog = page.get_by_test_id("download")
    assert dialog.locator("h2").inner_text() == "下载：中小学校"
    assert "整个图层（3 个要素）" in dialog.inner_text()

    # The whole layer as GeoJSON, in WGS 84.
    path = download(page, tmp_path, fmt="geojson")
    assert path.name == "schools.geojson"
    names = sorted(f["properties"]["name"] for f in read_back(path)["features"])
    assert names == sorted([XSS_NAME, "第二中学", "第三中学"])

    # Only what the map shows, as a GeoPackage in the Gauss-Krüger zone of Harbin.
    page.evaluate("() => window.geoportal.map.setView([45.74, 126.64], 16, {animate: false})")
    path = download(page, tmp_path, fmt="gpkg", crs="EPSG:4530", view=True)
    features = read_back(path)["features"]
    assert [f["properties"]["name"] for f in features] == [XSS_NAME]
    expected = Transformer.from_crs(4326, 4530, always_xy=True).transform(126.64, 45.74)
    assert features[0]["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.01)

    # GCJ-02 for Chinese web maps; KML offers longitude/latitude systems only.
    path = download(page, tmp_path, fmt="kml", crs="GCJ02", view=True)
    (feature,) = read_back(path)["features"]
    assert feature["geometry"]["coordinates"][:2] == pytest.approx(list(wgs84_to_gcj02(126.64, 45.74)), abs=1e-7)
    assert dialog.locator("select[name=crs] option[value='EPSG:4530']").is_disabled()
    assert "KML" in dialog.locator(".gp-download-note").inner_text()
    dialog.get_by_role("button", name="关闭").click()
    dialog.wait_for(state="detached")


def test_staff_download_their_departments_internal_layer(page, live_server, map_layers, departments, tmp_path):
    """Downloads carry the session: a department layer is offered, and delivered, to its staff."""
    schools = map_layers["schools"]
    schools.visibility = Layer.Visibility.DEPARTMENT
    schools.save()
    make_user("teacher", department=departments["education"], role="editor")
    page.goto(live_server.url + "/")
    wait_for_map(page)
    assert page.locator("li[data-layer=schools]").count() == 0  # the public sees no such layer
    login(page, live_server, "teacher", "pw-teacher")
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator("li[data-layer=schools] .gp-download-button").click()
    path = download(page, tmp_path, fmt="csv")
    text = path.read_text("utf-8-sig")
    assert text.splitlines()[0].startswith("WKT,fid,name") and "第三中学" in text
