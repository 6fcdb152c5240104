"""The server-side tile cache: an edit is visible on the very next request at every zoom, while
tiles the edit does not touch stay cached; the size bound; the edit/render race."""
from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.contrib.gis.geos import Point

from layers.models import Layer
from layers.services import FeatureInput, feature_create, feature_delete, feature_update, features_bulk_create
from layers.tiles.cache import CachedTile, TileCache, etag_for
from layers.tiles.grid import Tile, tile_at
from tests.conftest import make_layer
from tests.tiles_support import decode_mvt

pytestmark = pytest.mark.usefixtures("clean_tile_cache")
ZOOMS = range(0, 19)
HOME = (126.63, 45.75)
# 0.3 degrees east: a different tile from z10 on.
AWAY = (126.93, 45.75)
SCHEMA = [{"name": "name", "type": "string"}, {"name": "beds", "type": "integer"}]


@pytest.fixture
def layer(departments) -> Layer:
    layer = make_layer("hospitals", departments["planning"], schema=SCHEMA, max_zoom=18)
    feature_create(layer=layer, geometry=Point(*HOME, srid=4326), properties={"name": "一院", "beds": 100})
    feature_create(layer=layer, geometry=Point(*AWAY, srid=4326), properties={"name": "远院", "beds": 50})
    layer.refresh_from_db()
    return layer


def get(client, tile: Tile):
    return client.get(f"/tiles/hospitals/{tile.z}/{tile.x}/{tile.y}.mvt")


def features(response) -> dict[int, dict]:
    if response.status_code == 204:
        return {}
    return {f["id"]: f["properties"] for f in decode_mvt(response.content)["hospitals"]["features"]}


def warm(client, points) -> dict[tuple, Tile]:
    """Request (and so cache) the tile of each point at every zoom; a second request must hit."""
    tiles = {}
    for point in points:
        for z in ZOOMS:
            tile = tile_at(*point, z)
            tiles[(point, z)] = tile
            get(client, tile)
            assert get(client, tile)["X-Tile-Cache"] == "hit"
    return tiles


def assert_untouched_cached(client):
    for z in range(10, 19):
        response = get(client, tile_at(*AWAY, z))
        assert response["X-Tile-Cache"] == "hit", z
        assert set(features(response)) and "一院" not in {p["name"] for p in features(response).values()}


def test_insert_is_visible_at_every_zoom_and_untouched_tiles_stay_cached(
    client, layer, django_capture_on_commit_callbacks
):
    warm(client, [HOME, AWAY])
    with django_capture_on_commit_callbacks(execute=True):
        new = feature_create(layer=layer, geometry=Point(126.6301, 45.7501, srid=4326),
                             properties={"name": "新院", "beds": 10})
    for z in ZOOMS:
        response = get(client, tile_at(*HOME, z))
        assert response["X-Tile-Cache"] == "miss", z
        assert features(response)[new.pk] == {"name": "新院", "beds": 10}, z
    assert_untouched_cached(client)


def test_update_of_properties_is_visible_at_every_zoom(client, layer, django_capture_on_commit_callbacks):
    warm(client, [HOME, AWAY])
    feature = layer.features.get(name="一院")
    with django_capture_on_commit_callbacks(execute=True):
        feature_update(feature=feature, base_version=feature.version, properties={"name": "一院", "beds": 999})
    for z in ZOOMS:
        assert features(get(client, tile_at(*HOME, z)))[feature.pk]["beds"] == 999, z
    assert_untouched_cached(client)


def test_move_across_tiles_updates_the_old_and_the_new_tile(client, layer, django_capture_on_commit_callbacks):
    destination = (126.70, 45.80)  # another tile from z10 on, still far from AWAY
    warm(client, [HOME, AWAY, destination])
    feature = layer.features.get(name="一院")
    with django_capture_on_commit_callbacks(execute=True):
        feature_update(feature=feature, base_version=feature.version, geometry=Point(*destination, srid=4326))
    for z in ZOOMS:
        old_tile, new_tile = tile_at(*HOME, z), tile_at(*destination, z)
        assert feature.pk in features(get(client, new_tile)), z
        if old_tile != new_tile:
            assert feature.pk not in features(get(client, old_tile)), z
    assert_untouched_cached(client)


def test_delete_is_visible_at_every_zoom(client, layer, django_capture_on_commit_callbacks):
    warm(client, [HOME, AWAY])
    feature = layer.features.get(name="一院")
    with django_capture_on_commit_callbacks(execute=True):
        feature_delete(feature=feature)
    for z in ZOOMS:
        response = get(client, tile_at(*HOME, z))
        assert feature.pk not in features(response), z
    assert get(client, tile_at(*HOME, 16)).status_code == 204
    assert_untouched_cached(client)


def test_bulk_import_drops_the_layers_whole_cache(client, layer, django_capture_on_commit_callbacks):
    warm(client, [AWAY])
    with django_capture_on_commit_callbacks(execute=True):
        features_bulk_create(layer=layer, rows=[FeatureInput(Point(*AWAY, srid=4326), {"name": "导入"})])
    for z in ZOOMS:
        response = get(client, tile_at(*AWAY, z))
        assert response["X-Tile-Cache"] == "miss"
        assert "导入" in {p["name"] for p in features(response).values()}


def test_an_edit_of_another_layer_leaves_this_layers_tiles_cached(
    client, layer, departments, django_capture_on_commit_callbacks
):
    other = make_layer("pharmacies", departments["planning"], schema=SCHEMA)
    warm(client, [HOME])
    with django_capture_on_commit_callbacks(execute=True):
        feature_create(layer=other, geometry=Point(*HOME, srid=4326), properties={"name": "药店"})
    for z in ZOOMS:
        assert get(client, tile_at(*HOME, z))["X-Tile-Cache"] == "hit"


@pytest.fixture
def small_cache():
    client = redis.Redis.from_url(settings.TILE_CACHE_URL)
    cache = TileCache(client, prefix=settings.CACHE_KEY_PREFIX + ":bound-test", max_bytes=1000)
    cache.clear()
    yield cache
    cache.clear()


def test_the_cache_stays_within_its_size_bound_dropping_the_oldest(small_cache, layer):
    body = b"x" * 300
    for x in range(6):
        small_cache.store(layer=layer, tile=Tile(10, x, 0), fmt="mvt",
                          entry=CachedTile(etag_for(body), body), epoch=b"0")
    assert small_cache.size() <= 1000
    assert small_cache.lookup(layer=layer, tile=Tile(10, 0, 0), fmt="mvt")[0] is None
    newest, _ = small_cache.lookup(layer=layer, tile=Tile(10, 5, 0), fmt="mvt")
    assert newest.body == body and newest.etag == etag_for(body)
    # The index no longer names evicted tiles, so invalidation does not count them.
    assert small_cache.invalidate(layer_id=layer.pk, bboxes=None) == 3


def test_a_tile_rendered_before_an_edit_is_not_stored_after_its_invalidation(small_cache, layer):
    tile = Tile(12, 3488, 1461)
    cached, epoch = small_cache.lookup(layer=layer, tile=tile, fmt="mvt")
    assert cached is None
    small_cache.invalidate(layer_id=layer.pk, bboxes=[(126.6, 45.7, 126.7, 45.8)])
    stale = CachedTile(etag_for(b"old"), b"old")
    assert small_cache.store(layer=layer, tile=tile, fmt="mvt", entry=stale, epoch=epoch) is False
    assert small_cache.lookup(layer=layer, tile=tile, fmt="mvt")[0] is None
