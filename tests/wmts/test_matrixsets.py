"""The three tile matrix sets: Tianditu's `c` grid against a table computed by hand, `w` and
WebMercatorQuad against the XYZ grid, and the errors for addresses outside them."""
from __future__ import annotations

import pytest

from layers.tiles import grid as xyz
from layers.tiles.matrixsets import (
    GridError,
    check_tile,
    matrix_set,
    matrix_sets,
    parse_level,
    tile_bounds,
    tiles_covering,
)

# col = floor((lon + 180) / (180 / 2^(L-1))), row = floor((90 - lat) / (180 / 2^(L-1))), worked out
# with exact fractions for three points in Harbin (city centre, Songbei, Shangzhi).
HARBIN_TABLE = [
    # lon, lat, level, col, row
    (126.642, 45.757, 5, 27, 3), (126.642, 45.757, 10, 872, 125),
    (126.642, 45.757, 15, 27911, 4027), (126.642, 45.757, 18, 223289, 32216),
    (126.536, 45.829, 5, 27, 3), (126.536, 45.829, 10, 871, 125),
    (126.536, 45.829, 15, 27901, 4020), (126.536, 45.829, 18, 223212, 32164),
    (127.168, 44.932, 5, 27, 4), (127.168, 44.932, 10, 873, 128),
    (127.168, 44.932, 15, 27959, 4102), (127.168, 44.932, 18, 223672, 32817),
]


@pytest.mark.parametrize(("lon", "lat", "level", "col", "row"), HARBIN_TABLE)
def test_tianditu_c_tile_numbers_match_the_hand_computed_table(lon, lat, level, col, row):
    c = matrix_set("c")
    assert tiles_covering(c, (lon, lat, lon, lat), level) == (col, row, col, row)
    west, south, east, north = tile_bounds(c, level, row, col)
    assert west <= lon < east and south < lat <= north
    span = 180 / 2 ** (level - 1)
    assert east - west == pytest.approx(span) and north - south == pytest.approx(span)


def test_tianditu_c_level_one_is_two_by_one_and_scales_are_tianditus():
    c = matrix_set("C")
    first = c.matrix(1)
    assert (first.matrixWidth, first.matrixHeight, first.tileWidth) == (2, 1, 256)
    assert first.cellSize == 0.703125
    assert tile_bounds(c, 1, 0, 0) == (-180.0, -90.0, 0.0, 90.0)
    assert first.scaleDenominator == 2.958293554545656e8
    # Tianditu's published figure follows from 96 dpi and 111319.49079327357 m a degree.
    assert 0.703125 * 111319.49079327357 / (0.0254 / 96) == pytest.approx(2.958293554545656e8, rel=1e-12)
    assert c.matrix(18).scaleDenominator == pytest.approx(2.958293554545656e8 / 2 ** 17, rel=1e-15)
    assert list(c.levels) == list(range(1, 21))


def test_tianditu_w_levels_are_web_mercator_zooms():
    w, quad = matrix_set("w"), matrix_set("WebMercatorQuad")
    for level, (lon, lat) in [(1, (126.6, 45.7)), (10, (126.642, 45.757)), (18, (127.168, 44.932))]:
        tile = xyz.tile_at(lon, lat, level)
        assert tiles_covering(w, (lon, lat, lon, lat), level)[:2] == (tile.x, tile.y)
        assert tile_bounds(w, level, tile.y, tile.x) == pytest.approx(tile_bounds(quad, level, tile.y, tile.x))
    assert w.matrix(1).scaleDenominator == 2.958293554545656e8
    assert quad.matrix(1).scaleDenominator == pytest.approx(279541132.0143589)
    assert w.min_level == 1 and quad.min_level == 0 and quad.max_level == xyz.GRID_MAX_ZOOM


def test_names_are_case_insensitive_and_googlemapscompatible_is_webmercatorquad():
    assert matrix_set("googlemapscompatible") is matrix_sets()["WebMercatorQuad"]
    assert matrix_set("W").id == "w"
    assert parse_level(matrix_set("c"), "c:7") == 7


@pytest.mark.parametrize(("call", "code", "locator"), [
    (lambda: matrix_set("EPSG:4326"), "InvalidParameterValue", "TileMatrixSet"),
    (lambda: matrix_set(""), "MissingParameterValue", "TileMatrixSet"),
    (lambda: parse_level(matrix_set("c"), "0"), "InvalidParameterValue", "TileMatrix"),
    (lambda: parse_level(matrix_set("w"), "21"), "InvalidParameterValue", "TileMatrix"),
    (lambda: parse_level(matrix_set("c"), "level5"), "InvalidParameterValue", "TileMatrix"),
    (lambda: check_tile(matrix_set("c"), 1, 1, 0), "TileOutOfRange", "TileRow"),
    (lambda: check_tile(matrix_set("c"), 1, 0, 2), "TileOutOfRange", "TileCol"),
    (lambda: check_tile(matrix_set("c"), 1, "-1", "0"), "InvalidParameterValue", "TileRow"),
    (lambda: check_tile(matrix_set("c"), 1, "0", "\u00b2"), "InvalidParameterValue", "TileCol"),  # '²' isdigit()
    (lambda: parse_level(matrix_set("w"), "\u0663"), "InvalidParameterValue", "TileMatrix"),  # Arabic-Indic 3
])
def test_bad_addresses_name_the_parameter_and_the_code(call, code, locator):
    with pytest.raises(GridError) as caught:
        call()
    assert (caught.value.code, caught.value.locator) == (code, locator)
    assert str(caught.value)
