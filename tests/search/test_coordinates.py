"""The coordinate parser (a table of valid and invalid inputs) and the GCJ-02 inverse."""
import math

import pytest

from layers.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from layers.search.coordinates import CoordinateError, parse_coordinate

HARBIN = (125.3, 44.0, 131.0, 46.6)
DMS_LAT = 45 + 45 / 60 + 30 / 3600
DMS_LON = 126 + 38 / 60


@pytest.mark.parametrize("text, lon, lat", [
    ("126.64, 45.75", 126.64, 45.75),
    ("45.75, 126.64", 126.64, 45.75),          # either order: 126.64 cannot be a latitude
    ("45.75 126.64", 126.64, 45.75),
    ("126.64，45.75", 126.64, 45.75),          # full-width comma, as typed with a Chinese IME
    ("126.64;45.75", 126.64, 45.75),
    ("  126.64 , 45.75  ", 126.64, 45.75),
    ("45.75N 126.64E", 126.64, 45.75),
    ("126.64E,45.75N", 126.64, 45.75),
    ("N45.75 E126.64", 126.64, 45.75),
    ("45.75n 126.64e", 126.64, 45.75),
    ("126.6E45.7N", 126.6, 45.7),
    ("45°45'30\"N 126°38'E", DMS_LON, DMS_LAT),
    ("45°45′30″N 126°38′E", DMS_LON, DMS_LAT),  # typographic primes
    ("126°38'E 45°45'30\"N", DMS_LON, DMS_LAT),
    ("北纬45度45分30秒 东经126度38分", DMS_LON, DMS_LAT),
    ("东经126°38′ 北纬45°45′30″", DMS_LON, DMS_LAT),
    ("45度45分30秒N 126度38分E", DMS_LON, DMS_LAT),
    ("-33.9, 151.2", 151.2, -33.9),
    ("33.9S 151.2E", 151.2, -33.9),
    ("40.7N 74.0W", -74.0, 40.7),
    ("45.75 45.75", 45.75, 45.75),              # the same either way
])
def test_valid_coordinates(text, lon, lat):
    point = parse_coordinate(text, prefer_extent=HARBIN)
    assert point is not None
    assert math.isclose(point.lon, lon, abs_tol=1e-9) and math.isclose(point.lat, lat, abs_tol=1e-9)


@pytest.mark.parametrize("text", ["南岗区", "nangang", "230103", "91230100MA1B2C3D4X", "中山路 12", "1 2 3", "",
                                  "N 45 E", "45.75", "1.2.3 4", "SELECT 1, 2", "45°N"])
def test_texts_that_are_not_coordinates(text):
    assert parse_coordinate(text, prefer_extent=HARBIN) is None


@pytest.mark.parametrize("text, message", [
    ("45 46", "could be latitude, longitude or the reverse"),
    ("200, 100", "within ±90"),
    ("45N 46N", "same axis"),
    ("45°61'N 126E", "below 60"),
    ("45.5°30'N 126E", "whole number"),
    ("-45S 126E", "either a minus sign or S/W"),
    ("95N 126E", "Latitude must lie within"),
    ("45N 190E", "Longitude must lie within"),
])
def test_invalid_coordinates_say_why(text, message):
    with pytest.raises(CoordinateError, match=message):
        parse_coordinate(text, prefer_extent=HARBIN)


def test_the_service_extent_settles_an_order_that_is_valid_both_ways():
    with pytest.raises(CoordinateError):
        parse_coordinate("45.2, 45.9")
    point = parse_coordinate("45.2, 45.9", prefer_extent=(44.0, 45.5, 46.0, 46.5))
    assert (point.lon, point.lat) == (45.2, 45.9)


@pytest.mark.parametrize("lon, lat", [(126.64, 45.75), (116.391, 39.907), (121.4737, 31.2304), (113.2644, 23.1291)])
def test_gcj02_inverse_recovers_wgs84_to_a_millimetre(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    # The offset itself is hundreds of metres, so the test would notice an inverse that does nothing.
    assert math.hypot(glon - lon, glat - lat) > 0.001
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    metres = math.hypot((wlon - lon) * 111_320 * math.cos(math.radians(lat)), (wlat - lat) * 110_574)
    assert metres < 0.001


def test_gcj02_leaves_points_outside_china_alone():
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
