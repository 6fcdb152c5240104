"""Cached tiles of public layers answered in front of Django (layers/tiles/fastpath.py): the same
bytes and headers as Django's answer, and never a tile Django would not give."""
from __future__ import annotations

import io
import time

import pytest
import redis
from django.contrib.gis.geos import Point
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from layers.api.tokens import token_issue
from layers.models import Layer
from layers.services import feature_create
from layers.tiles.cache import TileCache
from layers.tiles.fastpath import TileFastPath
from layers.tiles.grid import tile_at
from layers.tiles.matrixsets import matrix_set, tiles_covering
from tests.conftest import make_layer
from tests.tiles_support import decode_mvt

pytestmark = pytest.mark.usefixtures("clean_tile_cache")
HOME = (126.63, 45.75)
TILE = tile_at(*HOME, 14)
PER_TILE = {"etag", "x-tile-cache", "x-request-id", "content-length", "content-type", "vary", "content-language"}


class Recorder:
    """The WSGI application behind the fast path: Django, counting the requests that reach it."""

    def __init__(self):
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


def call(app, path: str, *, method: str = "GET", headers: dict | None = None, query: str = ""
         ) -> tuple[int, dict, bytes]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "REMOTE_ADDR": "127.0.0.1",
               "HTTP_HOST": "testserver"}
    environ.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {k.lower(): v for k, v in response_headers}

    # Django closes the database connection when a request ends; the test's transaction needs it
    # (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


@pytest.fixture
def layer(departments) -> Layer:
    layer = make_layer("clinics", departments["planning"], schema=[{"name": "name", "type": "string"}], max_zoom=18)
    feature_create(layer=layer, geometry=Point(*HOME, srid=4326), properties={"name": "社区诊所"})
    layer.refresh_from_db()
    return layer


@pytest.fixture
def app():
    recorder = Recorder()
    return TileFastPath(recorder), recorder


def path(slug: str = "clinics", fmt: str = "mvt", tile=TILE) -> str:
    return f"/tiles/{slug}/{tile.z}/{tile.x}/{tile.y}.{fmt}"


@pytest.mark.parametrize("fmt", ["mvt", "geojson"])
def test_a_cached_public_tile_is_answered_without_django_with_djangos_bytes_and_headers(app, layer, fmt):
    fast, django = app
    status, first_headers, first_body = call(fast, path(fmt=fmt))
    assert (status, first_headers["x-tile-cache"], django.calls) == (200, "miss", 1)
    status, headers, body = call(fast, path(fmt=fmt))
    assert (status, headers["x-tile-cache"], django.calls) == (200, "hit", 1)
    assert body == first_body and headers["etag"] == first_headers["etag"]
    assert headers["content-type"] == first_headers["content-type"] and headers["content-length"] == str(len(body))
    same = {k: v for k, v in first_headers.items() if k not in PER_TILE}
    assert {k: v for k, v in headers.items() if k not in PER_TILE} == same
    assert same["cache-control"].startswith("public") and same["x-content-type-options"] == "nosniff"
    if fmt == "mvt":
        assert [f["properties"]["name"] for f in decode_mvt(body)["clinics"]["features"]] == ["社区诊所"]


def test_etag_revalidation_and_head(app, layer):
    fast, django = app
    _, headers, _ = call(fast, path())
    status, again, body = call(fast, path(), headers={"If-None-Match": headers["etag"]})
    assert (status, body, again["etag"], django.calls) == (304, b"", headers["etag"], 1)
    status, head, body = call(fast, path(), method="HEAD")
    assert (status, body, django.calls) == (200, b"", 1) and int(head["content-length"]) > 0


def test_an_empty_cached_tile_is_204_and_uncached_or_bad_addresses_go_to_django(app, layer):
    fast, django = app
    empty = tile_at(127.5, 46.5, 14)
    assert call(fast, path(tile=empty))[0] == 204 and django.calls == 1
    assert call(fast, path(tile=empty))[0] == 204 and django.calls == 1
    assert call(fast, path(tile=tile_at(*HOME, 15)))[0] == 200 and django.calls == 2
    for bad in ("/tiles/clinics/14/-1/0.mvt", "/tiles/clinics/99/0/0.mvt", "/tiles/clinics/a/0/0.mvt"):
        status, _, _ = call(fast, bad)
        assert status in (400, 404)
    assert django.calls == 5


def cached_for_staff(client, users) -> None:
    """A member of the owning department loads the tile through Django, which caches it."""
    client.force_login(users["planning_editor"])
    for _ in range(2):
        response = client.get(path())
    assert response.status_code == 200 and response["X-Tile-Cache"] == "hit"


def test_restricted_layers_are_never_answered_here(app, layer, client, users, django_capture_on_commit_callbacks):
    fast, django = app
    with django_capture_on_commit_callbacks(execute=True):
        layer.visibility = Layer.Visibility.DEPARTMENT
        layer.save()
    cached_for_staff(client, users)
    for _ in range(2):
        assert call(fast, path())[0] == 404
    assert django.calls == 2


def test_making_a_layer_restricted_withdraws_it_at_once(app, layer, client, users,
                                                        django_capture_on_commit_callbacks):
    fast, django = app
    call(fast, path())
    assert call(fast, path())[1]["x-tile-cache"] == "hit" and django.calls == 1
    with django_capture_on_commit_callbacks(execute=True):
        layer.visibility = Layer.Visibility.STAFF
        layer.save()
    cached_for_staff(client, users)
    assert call(fast, path())[0] == 404 and django.calls == 2


def test_a_renamed_or_deleted_layer_stops_answering_under_its_old_name(
    app, layer, django_capture_on_commit_callbacks
):
    fast, django = app
    call(fast, path())
    with django_capture_on_commit_callbacks(execute=True):
        layer.slug = "clinics-2025"
        layer.save()
    assert call(fast, path())[0] == 404 and django.calls == 2
    assert call(fast, path("clinics-2025"))[0] == 200
    assert call(fast, path("clinics-2025"))[1]["x-tile-cache"] == "hit" and django.calls == 3
    with django_capture_on_commit_callbacks(execute=True):
        layer.delete()
    assert call(fast, path("clinics-2025"))[0] == 404 and django.calls == 4


def test_an_edit_is_visible_on_the_next_request(app, layer, django_capture_on_commit_callbacks):
    fast, django = app
    call(fast, path())
    with django_capture_on_commit_callbacks(execute=True):
        feature_create(layer=layer, geometry=Point(HOME[0] + 0.0001, HOME[1], srid=4326), properties={"name": "新诊所"})
    status, headers, body = call(fast, path())
    assert (status, headers["x-tile-cache"], django.calls) == (200, "miss", 2)
    assert {f["properties"]["name"] for f in decode_mvt(body)["clinics"]["features"]} == {"社区诊所", "新诊所"}
    assert call(fast, path())[2] == body and django.calls == 2


def test_an_older_state_never_replaces_a_newer_one(clean_tile_cache, layer):
    cache: TileCache = clean_tile_cache
    old, new = TileCache.stamp(layer), str(int(TileCache.stamp(layer)) + 1)
    assert cache.publish(slug="clinics", layer_id=layer.pk, stamp=new, public=False)
    assert not cache.publish(slug="clinics", layer_id=layer.pk, stamp=old, public=True)
    assert cache.client.get(f"{cache.prefix}p:clinics").decode() == f"-{layer.pk}:{new}"
    # At the same stamp a withdrawal wins over a publication.
    assert not cache.publish(slug="clinics", layer_id=layer.pk, stamp=new, public=True)
    assert cache.client.ttl(f"{cache.prefix}p:clinics") > 0


def test_an_unreachable_cache_hands_every_request_to_django(layer):
    django = Recorder()
    fast = TileFastPath(django)
    fast.cache = TileCache(redis.Redis(port=1, socket_connect_timeout=0.2), prefix="nowhere", max_bytes=1000)
    started = time.monotonic()
    assert call(fast, path())[0] == 200 and django.calls == 1
    assert time.monotonic() - started < 5


def c_tile_path(slug: str, level: int, *, style: str = "default", ext: str = "png") -> str:
    col, row, _, _ = tiles_covering(matrix_set("c"), (*HOME, *HOME), level)
    return f"/wmts/1.0.0/{slug}/{style}/c/{level}/{row}/{col}.{ext}"


@pytest.mark.django_db(transaction=True)  # the map renderer reads PostGIS through a connection of its own
def test_cached_wmts_tiles_of_public_layers_are_answered_here_as_django_answers_them(app, school_layer):
    fast, django = app
    url = c_tile_path("schools", 15)
    status, first_headers, first_body = call(fast, url)
    assert (status, first_headers["x-tile-cache"], django.calls) == (200, "miss", 1)
    status, headers, body = call(fast, url)
    assert (status, headers["x-tile-cache"], django.calls) == (200, "hit", 1)
    assert body == first_body and body.startswith(b"\x89PNG") and headers["etag"] == first_headers["etag"]
    same = {k: v for k, v in first_headers.items() if k not in PER_TILE}
    assert {k: v for k, v in headers.items() if k not in PER_TILE} == same
    assert headers["content-type"] == "image/png" and same["cache-control"].startswith("public")
    assert call(fast, c_tile_path("schools", 15, style="Default"))[1]["x-tile-cache"] == "hit" and django.calls == 1
    # What Django alone can judge goes to Django: a token (checked, and refused when bad), another style.
    assert call(fast, url, query="token=gpt_nope_nope")[0] == 401 and django.calls == 2
    assert call(fast, c_tile_path("schools", 15, style="fancy"))[0] == 400 and django.calls == 3

    # WebMercatorQuad and w tiles are the XYZ image tiles: one cache entry for both addresses.
    xyz = tile_at(*HOME, 15)
    assert call(fast, f"/tiles/schools/{xyz}.png")[1]["x-tile-cache"] == "miss" and django.calls == 4
    for grid in ("WebMercatorQuad", "w"):
        status, headers, body = call(fast, f"/wmts/1.0.0/schools/default/{grid}/15/{xyz.y}/{xyz.x}.png")
        assert (status, headers["x-tile-cache"]) == (200, "hit")
    assert django.calls == 4
    # A zoom the w set does not have is refused by Django even when the XYZ tile is cached.
    school_layer.min_zoom = 0
    school_layer.save()
    zero = tile_at(*HOME, 0)
    assert call(fast, f"/tiles/schools/{zero}.png")[0] == 200 and django.calls == 5
    assert call(fast, f"/tiles/schools/{zero}.png")[1]["x-tile-cache"] == "hit" and django.calls == 5
    assert call(fast, "/wmts/1.0.0/schools/default/w/0/0/0.png")[0] == 400 and django.calls == 6


@pytest.mark.django_db(transaction=True)
def test_a_restricted_layers_cached_wmts_tile_is_only_served_by_django_to_those_who_may_see_it(
        app, departments):
    fast, django = app
    layer = make_layer("planning-secret", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    feature_create(layer=layer, geometry=Point(*HOME, srid=4326), properties={"name": "内部", "level": "primary"})
    token = token_issue(name="city-gis", layers=[layer])[1]
    url = c_tile_path("planning-secret", 14)
    for _ in range(2):
        status, headers, _ = call(fast, url, query=f"token={token}")
        assert status == 200
    assert headers["x-tile-cache"] == "hit" and headers["cache-control"].startswith("private")
    assert django.calls == 2
    for _ in range(2):
        assert call(fast, url)[0] == 400  # "There is no layer", from Django, as for a missing one
    assert django.calls == 4

def test_a_fast_path_hit_is_counted_and_echoes_the_request_id(app, layer):
    from geoportal.observability.metrics import TILE_CACHE

    fast, recorder = app
    path = f"/tiles/{layer.slug}/{TILE.z}/{TILE.x}/{TILE.y}.mvt"
    call(fast, path)  # rendered by Django, now cached
    before = TILE_CACHE.labels("hit", "fastpath")._value.get()
    status, headers, _ = call(fast, path, headers={"X-Request-ID": "tile-rid-1"})
    assert status == 200 and headers["x-tile-cache"] == "hit" and recorder.calls == 1
    assert headers["x-request-id"] == "tile-rid-1"
    assert TILE_CACHE.labels("hit", "fastpath")._value.get() == before + 1
