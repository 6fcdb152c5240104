"""The login page (bilingual, styled like the map) and the signed-in header."""
from playwright.sync_api import expect

from tests.browser.conftest import login, wait_for_map


def test_login_shows_the_user_in_the_header_and_logout_signs_out(page, live_server, users, map_layers):
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator(".gp-login h1").inner_text() == "登录"
    assert page.locator("label[for=id_username]").inner_text() == "用户名"

    # A wrong password is refused with a message, on the same styled page.
    page.fill("input[name=username]", "p_editor")
    page.fill("input[name=password]", "wrong")
    page.locator("#gp-login-form button[type=submit]").click()
    expect(page.locator(".gp-errors")).to_be_visible()  # waits for the refused form's page
    assert "/accounts/login/" in page.url

    login(page, live_server, "p_editor", "pw-p_editor")
    wait_for_map(page)
    assert page.locator("[data-testid=user]").inner_text() == "p_editor"
    assert page.locator("[data-testid=logout]").inner_text() == "退出"

    page.locator("[data-testid=logout]").click()
    page.wait_for_selector("[data-testid=login]")
    assert page.locator("[data-testid=user]").count() == 0


def test_login_from_the_map_comes_back_to_the_same_view(page, live_server, users, map_layers):
    view = "#map=13/45.7400/126.6200&layers=schools"
    page.goto(live_server.url + "/" + view)
    wait_for_map(page)
    page.locator("[data-testid=login]").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "citizen")
    page.fill("input[name=password]", "pw-citizen")
    page.locator("#gp-login-form button[type=submit]").click()
    page.wait_for_selector("[data-testid=user]")
    assert page.url == live_server.url + "/" + view


def test_login_page_in_english(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("[data-testid=lang-switch]").click()
    page.wait_for_selector("html[lang=en]")
    assert "/accounts/login/" in page.url
    assert page.locator(".gp-login h1").inner_text() == "Log in"
    assert page.locator("label[for=id_password]").inner_text() == "Password"
    assert page.locator(".gp-back a").inner_text() == "Back to the map"
