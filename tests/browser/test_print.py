"""The print dialog: open it on the map, choose A4 landscape PDF, print, follow the job to its
download link and fetch the file (read back with pdfinfo and pdftotext); on a phone the dialog
spans the screen's width."""
import re
import subprocess

import pytest

from tests.browser.conftest import wait_for_map


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server's thread writes the prints here


def _print_and_download(page, tmp_path):
    dialog = page.locator(".gp-print-panel")
    page.get_by_test_id("print").click()
    assert dialog.is_visible()
    dialog.locator("select[name=paper]").select_option("A4")
    dialog.locator("select[name=orientation]").select_option("landscape")
    dialog.locator("select[name=format]").select_option("pdf")
    dialog.locator("input[name=title]").fill("南岗区学校分布")
    dialog.locator("input[name=review_number]").fill("GS（2024）1234号")
    dialog.locator(".gp-print-go").click()
    link = page.get_by_test_id("print-download")
    link.wait_for(state="visible", timeout=60_000)
    assert "100%" in dialog.locator(".gp-print-status").inner_text()
    with page.expect_download() as info:
        link.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_print_dialog_makes_an_a4_landscape_pdf(page, live_server, map_layers, tmp_path):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.evaluate("() => window.geoportal.map.setView([45.745, 126.62], 13, {animate: false})")
    target = _print_and_download(page, tmp_path)
    assert target.suffix == ".pdf" and "A4" in target.name
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "南岗区学校分布" in text and "GS（2024）1234号" in text
    assert "中小学校" in text and "测试行政区" in text  # the layers shown, in the legend
    assert re.search(r"1:[\d,]+", text)


def test_print_dialog_on_a_phone(open_page, live_server, map_layers, tmp_path):
    page = open_page(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.get_by_test_id("print").click()
    box = page.locator(".gp-print-panel").bounding_box()
    assert box["x"] == 0 and box["width"] == 390
    page.locator(".gp-print-panel select[name=format]").select_option("png")
    page.locator(".gp-print-go").click()
    page.get_by_test_id("print-download").wait_for(state="visible", timeout=60_000)


def test_print_dialog_shows_why_a_print_is_refused(page, page_problems, live_server, map_layers):
    page_problems.allow_console("400")  # the refused POST, answered with its reason
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.evaluate("() => window.geoportal.map.setView([39.9, 116.4], 12, {animate: false})")  # Beijing
    page.get_by_test_id("print").click()
    page.locator(".gp-print-go").click()
    status = page.locator(".gp-print-status.gp-print-error")
    status.wait_for(state="visible")
    assert "打印失败" in status.inner_text() and "inside the city's extent" in status.inner_text()
    assert page.get_by_test_id("print-download").is_hidden()
    assert page.locator(".gp-print-go").is_enabled()
