"""The audit administrator reads the trail at /audit/: someone else's failed sign-in is there with
address and user agent; filtering narrows the list to it; the CSV export downloads it. (Other
roles are refused: tests/audit/test_page.py.)"""
from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_the_auditor_finds_a_failed_sign_in_and_exports_it(page, live_server, users, open_page):
    other = open_page()
    other.goto(live_server.url + "/accounts/login/")
    other.fill("input[name=username]", "p_editor")
    other.fill("input[name=password]", "wrong")
    other.locator("#gp-login-form button[type=submit]").click()
    expect(other.locator(".gp-errors")).to_be_visible()

    login(page, live_server, "auditor", "pw-auditor")
    page.goto(live_server.url + "/audit/")
    expect(page.locator("h1")).to_have_text("审计记录 / Audit trail")
    page.fill("input[name=action]", "auth.login")
    page.select_option("select[name=result]", "failed")
    page.get_by_role("button", name="查询 / Search").click()
    rows = page.locator("[data-testid=audit-entry]")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    assert cells.nth(3).inner_text() == "auth.login" and cells.nth(4).inner_text() == "failed"
    assert cells.nth(6).inner_text() == "p_editor" and cells.nth(7).inner_text() == "127.0.0.1"
    assert cells.nth(8).get_attribute("title") == other.evaluate("navigator.userAgent")  # the browser's own

    with page.expect_download() as download_info:
        page.locator("[data-testid=audit-csv]").click()
    download = download_info.value
    assert download.suggested_filename == "audit.csv"
    rows_csv = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert [(r["action"], r["result"], r["target"]) for r in rows_csv] == [("auth.login", "failed", "p_editor")]
    assert len(rows_csv[0]["hash"]) == 64

