"""The XYZ grid arithmetic behind tile addresses and precise invalidation; the tile settings' checks."""
import pytest

from layers.tiles.checks import check_tile_settings
from layers.tiles.grid import Tile, TileRequestError, buffered_bounds, parse_tile, tile_at, tile_range


def test_parse_tile_accepts_the_grid_and_rejects_the_rest():
    assert parse_tile("0", "0", "0") == Tile(0, 0, 0)
    assert parse_tile("18", "223281", "93522") == Tile(18, 223281, 93522)
    for bad, status in [(("a", "0", "0"), 400), (("3", "8", "0"), 404), (("3", "0", "-1"), 404),
                        (("25", "0", "0"), 404), (("3", "٣", "0"), 400), (("1" * 13, "0", "0"), 400)]:
        with pytest.raises(TileRequestError) as info:
            parse_tile(*bad)
        assert info.value.status == status and str(info.value)


def test_tile_range_covers_the_tiles_whose_buffer_meets_a_box():
    # A point just inside the west edge of a tile also touches its western neighbour's buffer.
    tile = tile_at(126.63, 45.75, 14)
    west, _, _, _ = buffered_bounds(tile)
    edge = west + (0.5 / 64) * 360 / 2**14 + 360 / 2**14 / 64  # just east of the tile's own west edge
    x0, y0, x1, y1 = tile_range((edge, 45.75, edge, 45.75), 14)
    assert x0 == tile.x - 1 and x1 == tile.x and y0 == y1 == tile.y
    # A point in the middle of a tile touches that tile only.
    south, north = 45.7501, 45.7502
    middle = tile_range((126.6302, south, 126.6302, north), 18)
    assert middle[0] == middle[2] == tile_at(126.6302, south, 18).x


def test_buffered_bounds_are_cut_to_the_world():
    west, south, east, north = buffered_bounds(Tile(1, 1, 0))
    assert (west, east) == (pytest.approx(-2.8125), 180.0)
    assert north == pytest.approx(85.0511287798066) and south < 0


def test_bad_tile_settings_fail_the_system_checks(settings):
    assert check_tile_settings() == []
    settings.TILE_CACHE_URL = "memcached://127.0.0.1"
    settings.TILE_CACHE_MAX_BYTES = 10
    settings.TILE_MAX_FEATURES = 0
    assert {e.id for e in check_tile_settings()} == {"tiles.E001", "tiles.E002", "tiles.E003"}
