"""Browser tests: Debian's Chromium driven by Playwright, hermetic.

- pinned locale (zh-CN) and timezone (Asia/Shanghai);
- every console error and uncaught page error fails the test;
- any request to a host other than the live server is blocked and fails the test;
- any JavaScript dialog (alert, confirm, prompt) is dismissed and fails the test: an injected
  `alert(1)` cannot pass unnoticed.

Use the `page` fixture (a fresh context per test) and `live_server.url`; `open_page(...)` for
more pages or other viewports; `wait_for_map(page)` after loading the map page;
`login(page, live_server, username, password)` to sign in through the real form.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from playwright.sync_api import sync_playwright

from fixtures.harbin import load_demo
from geoportal.accounts.models import User
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer, make_user
from tests.raster_factories import elevation_layer, raster_root  # noqa: F401 (fixtures)

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
        self.dialogs: list[str] = []
        self.allowed_console: list[str] = []

    def allow_console(self, fragment: str) -> None:
        """Expect a console error containing `fragment` (e.g. a deliberate 4xx the test provokes)."""
        self.allowed_console.append(fragment)

    def unexpected(self) -> list[str]:
        console = [m for m in self.console_errors if not any(a in m for a in self.allowed_console)]
        return (
            console
            + self.page_errors
            + [f"request left the server: {u}" for u in self.foreign_requests]
            + [f"dialog opened: {message}" for message in self.dialogs]
        )


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

    def on_dialog(dialog):
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
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


def wait_for_map(page) -> None:
    """Wait until the map page has drawn the layers it opened with (main.js sets data-ready)."""
    page.wait_for_selector("#map[data-ready=true]", state="attached")


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the real login form (the page's other forms, e.g. the language switch, untouched)."""
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit], input[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


XSS_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture
def map_layers(departments) -> dict[str, Layer]:
    """Three small public layers, one per geometry type and theme, in central Harbin:

    - test-districts: two polygons with Chinese and English names, labelled by name_zh;
    - schools: three points (SCHOOL_SCHEMA), one named with an HTML injection attempt;
    - roads: one line, drawn only from zoom 13 on.
    """
    districts = make_layer(
        "test-districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON, theme="boundaries",
        schema=[
            {"name": "name_zh", "type": "string", "label_zh": "名称", "label_en": "Name (Chinese)"},
            {"name": "name_en", "type": "string", "label_zh": "英文名称", "label_en": "Name (English)"},
        ],
        style={"stroke": "#5b6770", "fill": "#dfe6ea", "fill_opacity": 0.2, "weight": 1.5, "label_field": "name_zh"},
        attribution="边界数据 © 测试来源",
    )
    districts.title_zh, districts.title_en, districts.name_field = "测试行政区", "Test districts", "name_zh"
    districts.save()
    for name_zh, name_en, bbox in [("南岗区", "Nangang District", (126.60, 45.70, 126.68, 45.78)),
                                   ("道里区", "Daoli District", (126.52, 45.70, 126.60, 45.78))]:
        feature_create(layer=districts, geometry=MultiPolygon(Polygon.from_bbox(bbox), srid=4326),
                       properties={"name_zh": name_zh, "name_en": name_en})
    schools = make_layer("schools", departments["education"], theme="education", is_demo=True,
                         style={"stroke": "#b5451b", "fill": "#f08a4b", "radius": 7, "weight": 1.5},
                         attribution="学校示例数据")
    schools.title_zh, schools.title_en = "中小学校", "Schools"
    schools.save()
    for name, lon, lat, boarding in [(XSS_NAME, 126.64, 45.74, True), ("第二中学", 126.56, 45.75, False),
                                     ("第三中学", 126.66, 45.72, False)]:
        feature_create(layer=schools, geometry=Point(lon, lat, srid=4326),
                       properties={"name": name, "level": "middle", "pupils": 1200, "boarding": boarding})
    roads = make_layer("roads", departments["planning"], geometry_type=Layer.GeometryType.LINE, theme="transport",
                       schema=[{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"}],
                       style={"stroke": "#7a3db8", "weight": 3}, min_zoom=13)
    feature_create(layer=roads, geometry=LineString((126.55, 45.745), (126.67, 45.745), srid=4326),
                   properties={"name": "中山路"})
    for layer in (districts, schools, roads):
        layer.refresh_from_db()
    return {"districts": districts, "schools": schools, "roads": roads}


@pytest.fixture
def admin_with_backdrop(departments):
    """A superuser "widget_admin" and the one-district "districts" layer the admin's geometry widget
    draws as its backdrop."""
    districts = make_layer("districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                           schema=[{"name": "name", "type": "string"}])
    feature_create(layer=districts, geometry=MultiPolygon(Polygon.from_bbox((126.5, 45.6, 126.8, 45.9)), srid=4326),
                   properties={"name": "南岗区"})
    return make_user("widget_admin", role=User.Role.SYSADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def harbin_demo(transactional_db) -> dict[str, int]:
    """The Harbin demo as `manage.py load_harbin_demo` loads it (18 real districts and more)."""
    return load_demo()


# A known three-stop ramp, so that tests can check what the legend and the style editor show.
ELEVATION_STYLE = {"opacity": 1, "raster": {"ramp": [[100, "#2b83ba"], [200, "#ffffbf"], [300, "#d7191c"]],
                                            "hillshade": False, "hillshade_opacity": 0.5}}


@pytest.fixture
def elevation(elevation_layer):  # noqa: F811 (the factory's fixture, imported above)
    """tests/raster_factories.py's public elevation layer "dem" over central Harbin, uploaded
    through the import service, with ELEVATION_STYLE."""
    elevation_layer.style = ELEVATION_STYLE
    elevation_layer.save(update_fields=["style"])
    elevation_layer.refresh_from_db()
    return elevation_layer
