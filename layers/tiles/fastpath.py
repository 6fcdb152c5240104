"""Cached tiles of public layers, answered in front of Django.

A map pans through hundreds of tiles a minute, most of them already rendered; passing each through
Django's middleware, URL resolver and the permission lookup costs more than the Redis read. So the
WSGI application is wrapped (geoportal/wsgi.py): a GET or HEAD of /tiles/<slug>/<z>/<x>/<y>.<fmt>
(mvt, geojson, png, webp, jpg), or of a RESTful WMTS tile /wmts/1.0.0/<slug>/default/<set>/<level>/
<row>/<col>.<png|jpg|jpeg|webp> without a query (a `token=` goes to Django; the sets: c, w,
WebMercatorQuad, whose tiles are cached as layers/wmts/tiles.py keeps them), is looked up in one
Redis round trip, and answered there when

- the layer is published: public, at the stamp (updated_at) it has now. Publications are written
  when a layer is saved or deleted and when Django serves one of its tiles (layers/tiles/cache.py),
  ordered by stamp, withdrawn when the layer stops being public, is renamed or deleted, and lapse
  after PUBLICATION_TTL seconds;
- the tile is in the cache under that stamp. Edits drop exactly the tiles they touch, before their
  request returns, so an answer here is as current as one from Django.

Everything else (restricted layers, tiles not cached yet, bad addresses, Redis unreachable) goes to
Django unchanged. The response carries the headers Django's view and security middleware give the
same tile. Tiles answered here are not counted against WMTS's per-client request rate
(layers/api/throttling.py), as /tiles/ requests never are.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import redis
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.http import parse_etags

from geoportal.observability.context import valid_or_new
from geoportal.observability.metrics import TILE_CACHE
from geoportal.security.headers import PermissionsPolicyMiddleware
from layers.tiles.cache import tile_cache
from layers.tiles.images import IMAGE_FORMATS
from layers.tiles.images import MEDIA_TYPES as IMAGE_MEDIA_TYPES
from layers.tiles.matrixsets import TIANDITU_C, TIANDITU_W, WEB_MERCATOR_QUAD, matrix_set
from layers.tiles.queries import GEOJSON_MEDIA_TYPE, MVT_MEDIA_TYPE

_TILE_PATH = re.compile(
    r"^/tiles/([-a-zA-Z0-9_]+)/([0-9]{1,2})/([0-9]{1,8})/([0-9]{1,8})\.(mvt|geojson|png|webp|jpg)$")
_WMTS_TILE_PATH = re.compile(
    r"^/wmts/1\.0\.0/([-a-zA-Z0-9_]+)/(?i:default)/([^/]+)/([0-9]{1,3})/([0-9]{1,8})/([0-9]{1,8})"
    r"\.(png|jpg|jpeg|webp)$")
# URL extension -> the cache's format key (image tiles are kept under the renderer's format name).
_KEYS = {"mvt": "mvt", "geojson": "geojson", **IMAGE_FORMATS, "jpeg": "jpeg"}
# The cache's format key -> media type.
_MEDIA_TYPES = {"mvt": MVT_MEDIA_TYPE, "geojson": GEOJSON_MEDIA_TYPE, **IMAGE_MEDIA_TYPES}
# WMTS tile matrix set, as a URL may name it -> the grid part of the cache's format key (WebMercatorQuad
# and w are the XYZ grid, c has keys of its own) and the set's levels (an XYZ tile cached at a zoom
# w does not have must not answer for w).
_WMTS_GRIDS = {name.lower(): ("@" + TIANDITU_C if name == TIANDITU_C else "", matrix_set(name).levels)
               for name in (WEB_MERCATOR_QUAD, "GoogleMapsCompatible", TIANDITU_W, TIANDITU_C)}
_STATUS = {200: "200 OK", 204: "204 No Content", 304: "304 Not Modified"}


def _address(environ: dict) -> tuple[str, str, str] | None:
    """(slug, `<z>:<x>:<y>:<format key>` of the cache, format key) of a tile request this path may answer."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/tiles/"):
        match = _TILE_PATH.match(path)
        if match is None:
            return None
        slug, z, x, y, extension = match.groups()
        fmt = _KEYS[extension]
        return slug, f"{int(z)}:{int(x)}:{int(y)}:{fmt}", fmt
    if path.startswith("/wmts/") and not environ.get("QUERY_STRING"):
        match = _WMTS_TILE_PATH.match(path)
        if match is None:
            return None
        slug, grid_id, level, row, col, extension = match.groups()
        grid, levels = _WMTS_GRIDS.get(grid_id.lower(), ("", range(0)))
        if int(level) not in levels:
            return None
        fmt = _KEYS[extension]
        return slug, f"{int(level)}:{int(col)}:{int(row)}:{fmt}{grid}", fmt
    return None


def _security_headers(secure: bool) -> list[tuple[str, str]]:
    """What the security, CSP, Permissions-Policy and clickjacking middleware add to a response,
    from the same classes."""
    request = HttpRequest()
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "443" if secure else "80"}
    if secure:
        request.META["wsgi.url_scheme"] = "https"
        request.is_secure = lambda: True
    response = HttpResponse()
    response = SecurityMiddleware(lambda r: response).process_response(request, response)
    csp = CSPMiddleware(lambda r: response)
    csp.process_request(request)
    response = csp.process_response(request, response)
    response = PermissionsPolicyMiddleware(lambda r: response)(request)
    response = XFrameOptionsMiddleware(lambda r: response).process_response(request, response)
    skip = {"content-type"}
    return [(name, value) for name, value in response.items() if name.lower() not in skip]


class TileFastPath:
    """WSGI middleware: cached public tiles from Redis, everything else to `app`."""

    def __init__(self, app: Callable):
        self.app = app
        self.cache = tile_cache()
        self.cache_control = f"public, max-age={settings.TILE_HTTP_MAX_AGE}"
        self.security = {secure: _security_headers(secure) for secure in (False, True)}
        self.hits = TILE_CACHE.labels("hit", "fastpath")  # bound once: an increment per hit

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.cache is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        found = _address(environ)
        if found is None:
            return self.app(environ, start_response)
        slug, address, fmt = found
        try:
            entry = self.cache.public_lookup(slug=slug, address=address)
        except redis.RedisError:
            entry = None  # Django answers, and logs the cache's state
        if entry is None:
            return self.app(environ, start_response)
        self.hits.inc()
        etag = f'"{entry.etag}"'
        if etag in parse_etags(environ.get("HTTP_IF_NONE_MATCH", "")):
            status, body = 304, b""
        else:
            status, body = (200, entry.body) if entry.body else (204, b"")
        headers = [("ETag", etag), ("X-Tile-Cache", "hit"), ("Cache-Control", self.cache_control),
                   ("Access-Control-Allow-Origin", "*"), ("Content-Length", str(len(body))),
                   ("X-Request-ID", valid_or_new(environ.get("HTTP_X_REQUEST_ID")))]
        if status == 200:
            headers.insert(0, ("Content-Type", _MEDIA_TYPES[fmt]))
        headers += self.security[self._is_secure(environ)]
        start_response(_STATUS[status], headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    @staticmethod
    def _is_secure(environ: dict) -> bool:
        header = settings.SECURE_PROXY_SSL_HEADER
        if header and environ.get(header[0]) == header[1]:
            return True
        return environ.get("wsgi.url_scheme") == "https"


def with_tile_fast_path(app: Callable) -> Callable:
    """`app` wrapped by the fast path when a tile cache is configured (TILE_CACHE_URL)."""
    return TileFastPath(app) if tile_cache() is not None else app
