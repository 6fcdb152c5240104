"""The Content-Security-Policy every page is served with (django-csp sends it).

Scripts and styles come from our own origin only: no 'unsafe-inline', no 'unsafe-eval', no nonces.
Templates carry no inline <script>, <style>, style="" or on*= handlers; data reaches scripts through
json_script blocks (type application/json, which the policy does not run). Style set from
JavaScript (element.style, as Leaflet and OpenLayers do) is not inline style in CSP's sense.
The one other origin a page may load from is the configured base map's tile server (images).
"""
from __future__ import annotations

from urllib.parse import urlsplit

SELF = "'self'"
NONE = "'none'"
TIANDITU_TILES = "https://*.tianditu.gov.cn"
REPORT_PATH = "/csp-report"


def tile_origin(url_template: str) -> str | None:
    """The origin of an XYZ template such as https://{s}.tile.example.org/{z}/{x}/{y}.png."""
    parts = urlsplit(url_template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.split("@")[-1]
    # A subdomain placeholder ({s}, {a-c}, t{s}) becomes a wildcard for that label.
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


def live_sources(live_url: str) -> list[str]:
    """Where the live map's socket may connect beyond our origin ('self' covers ws/wss on it):
    LIVE_URL ":PORT/path" is the page's host on another port; a full ws(s):// URL its origin."""
    if live_url.startswith(":"):
        port = live_url[1:].split("/", 1)[0]
        return [f"ws://*:{port}", f"wss://*:{port}"] if port.isdigit() else []
    parts = urlsplit(live_url)
    if parts.scheme in ("ws", "wss") and parts.netloc:
        return [f"{parts.scheme}://{parts.netloc}"]
    return []


def content_security_policy(*, basemap_url: str, tianditu_key: str, live_url: str = "") -> dict:
    """django-csp's CONTENT_SECURITY_POLICY for this deployment's base map and live map socket."""
    images = [SELF, "data:", "blob:"]
    origin = tile_origin(basemap_url) if basemap_url else (TIANDITU_TILES if tianditu_key else None)
    if origin:
        images.append(origin)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": images,
            "font-src": [SELF, "data:"],
            "connect-src": [SELF, *live_sources(live_url)],
            "worker-src": [SELF, "blob:"],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
            "report-uri": [REPORT_PATH],
        },
    }
