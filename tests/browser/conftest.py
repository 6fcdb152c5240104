"""Browser tests: Debian's Chromium driven by Playwright, hermetic.

- pinned locale (zh-CN) and timezone (Asia/Shanghai);
- every console error and uncaught page error fails the test;
- any request to a host other than the live server is blocked and fails the test.

Use the `page` fixture (a fresh context per test) and `live_server.url`.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Browser tests touch the database from the live server's thread.
pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in the page: console errors, page errors and requests that left the server."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.allowed_console: list[str] = []

    def allow_console(self, fragment: str) -> None:
        """Expect a console error containing `fragment` (e.g. a deliberate 4xx the test provokes)."""
        self.allowed_console.append(fragment)

    def unexpected(self) -> list[str]:
        console = [m for m in self.console_errors if not any(a in m for a in self.allowed_console)]
        return console + self.page_errors + [f"request left the server: {u}" for u in self.foreign_requests]


def new_page(browser, live_server, problems: PageProblems, **context_options):
    server = urlparse(live_server.url)
    options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": {"width": 1280, "height": 800}}
    options.update(context_options)
    context = browser.new_context(**options)

    def guard(route):
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (server.hostname, server.port):
            route.continue_()
        else:
            problems.foreign_requests.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda msg: problems.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser, live_server, page_problems, transactional_db):
    context, page = new_page(browser, live_server, page_problems)
    yield page
    context.close()
    assert not page_problems.unexpected(), page_problems.unexpected()


@pytest.fixture
def open_page(browser, live_server, page_problems, transactional_db):
    """Factory for extra pages (other users, phone viewports): open_page(viewport=..., ...)."""
    contexts = []

    def factory(**context_options):
        context, page = new_page(browser, live_server, page_problems, **context_options)
        contexts.append(context)
        return page

    yield factory
    for context in contexts:
        context.close()
    assert not page_problems.unexpected(), page_problems.unexpected()


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the real login form."""
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")
