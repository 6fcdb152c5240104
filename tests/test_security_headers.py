"""Every HTML page carries the security headers, and holds nothing the policy would refuse:
no inline <script>, <style>, style="" or on*= handler (the browser test, tests/browser/test_csp.py,
loads the same pages in Chromium and listens for violations)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from annotations.models import Photo
from geoportal.accounts.models import User
from geoportal.security.csp import content_security_policy, tile_origin
from layers.models import Feature
from tests.annotation_factories import jpeg_upload, submit
from tests.conftest import make_user

DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a strict CSP refuses: inline scripts and styles, style attributes, handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script_open = False

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        if tag == "script" and "src" not in named and (named.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.found.append(f"inline <script {named}>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_hardened(response, url: str) -> None:
    assert response["Content-Type"].startswith("text/html"), url
    policy = directives(response["Content-Security-Policy"])
    for name in ("script-src", "style-src", "default-src"):
        assert policy[name] == ["'self'"], (url, name, policy[name])
    assert policy["frame-ancestors"] == ["'none'"], url
    assert policy["object-src"] == ["'none'"], url
    assert "report-uri" in policy, url
    text = response["Content-Security-Policy"]
    assert "unsafe-inline" not in text and "unsafe-eval" not in text and "nonce-" not in text, url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
    assert response["X-Frame-Options"] == "DENY", url
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "microphone=()" in permissions, url
    found = inline_code(response.content.decode())
    assert not found, (url, found)


@pytest.fixture
def report(city):
    """One public street-light report with a photo, routed to the urban department."""
    annotation = submit(city["light"], photos=[jpeg_upload()]).annotation
    return annotation


def _pages_for(client: Client, urls: list[str]) -> None:
    for url in urls:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, (url, response.status_code)
        assert_hardened(response, url)


def test_public_pages(client, school_layer, report):
    feature = Feature.objects.filter(layer=school_layer).first()
    _pages_for(client, [
        "/", "/accounts/login/", "/accounts/password_reset/", "/track/", f"/track/{report.tracking_number}/",
        "/ogc?f=html", "/ogc/conformance?f=html", "/ogc/api?f=html", "/ogc/collections?f=html",
        "/ogc/collections/schools?f=html", "/ogc/collections/schools/items?f=html",
        f"/ogc/collections/schools/items/{feature.pk}?f=html", "/ogc/collections/schools/queryables?f=html",
        "/api/docs/", "/admin/login/",
    ])


def test_staff_pages(client, city, report, settings):
    client.force_login(city["urban_editor"])
    _pages_for(client, [
        "/", "/import/", "/inbox/", f"/inbox/{report.tracking_number}/", "/inbox/suggestions/", "/inbox/notes/",
        "/stats/", "/accounts/security/", "/accounts/password_change/", "/accounts/two-factor/setup/",
    ])


def test_admin_pages_with_the_geometry_widget(client, school_layer):
    admin = make_user("headers_admin", role=User.Role.SYSADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    feature = Feature.objects.filter(layer=school_layer).first()
    _pages_for(client, ["/admin/", "/admin/layers/layer/", f"/admin/layers/feature/{feature.pk}/change/",
                        "/admin/layers/feature/add/"])
    widget = client.get(f"/admin/layers/feature/{feature.pk}/change/").content.decode()
    assert 'data-geoportal-map-widget="id_geom_options"' in widget and "layers/admin/mapwidget.js" in widget


def test_error_pages(client, db):
    for url, status in [("/no-such-page/", 404), ("/track/HRB-NOPE/photos/1/full/", 404)]:
        response = client.get(url)
        assert response.status_code == status
        assert_hardened(response, url)
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/accounts/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 403
    assert_hardened(refused, "csrf failure")
    assert "CSRF" in refused.content.decode()


def test_photo_is_not_reachable_as_a_raw_media_file(client, report, settings):
    """Uploads are served by the permission-checked view only: no URL maps onto MEDIA_ROOT."""
    photo = Photo.objects.get(annotation=report)
    raw = settings.MEDIA_URL + photo.image.name
    assert client.get(raw).status_code == 404


def test_json_responses_carry_nosniff_and_the_policy(client, school_layer):
    response = client.get("/api/layers/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    # The browsable API (inline style) is not offered, even when a browser asks for HTML.
    assert client.get("/api/layers/", HTTP_ACCEPT="text/html").status_code == 406


def test_the_base_map_origin_is_the_only_other_image_source():
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_origin("https://tiles.example.cn/xyz/{z}/{x}/{y}.png") == "https://tiles.example.cn"
    assert tile_origin("javascript:alert(1)") is None
    policy = content_security_policy(basemap_url="https://tiles.example.cn/{z}/{x}/{y}.png", tianditu_key="")
    assert policy["DIRECTIVES"]["img-src"][-1] == "https://tiles.example.cn"
    assert policy["DIRECTIVES"]["script-src"] == ["'self'"]
    tianditu = content_security_policy(basemap_url="", tianditu_key="k")
    assert "https://*.tianditu.gov.cn" in tianditu["DIRECTIVES"]["img-src"]
    bare = content_security_policy(basemap_url="", tianditu_key="")
    assert bare["DIRECTIVES"]["img-src"] == ["'self'", "data:", "blob:"]
