"""The printed map's scale, extent and scale bar (layers/printing/scale.py), checked by hand figures."""
import math

import pytest

from layers.printing.scale import (
    extent_at_zoom,
    extent_covering,
    ground_per_mercator_metre,
    lonlat_bbox,
    nice_scale_at_least,
    scale_bar,
)


@pytest.mark.parametrize(("needed", "nice"), [(1, 1), (9_000, 10_000), (10_000, 10_000), (10_001, 12_500),
                                              (61_000, 75_000), (76_000, 100_000), (2_600, 3_000)])
def test_nice_scale_at_least(needed, nice):
    assert nice_scale_at_least(needed) == nice


def test_extent_covers_the_view_at_a_round_scale():
    view = (126.55, 45.70, 126.75, 45.80)
    extent = extent_covering(bbox=view, frame_mm=(257.0, 160.0))
    west, south, east, north = lonlat_bbox(extent)
    assert west <= view[0] and south <= view[1] and east >= view[2] and north >= view[3]
    # The frame's width on paper times the scale is the ground width at the centre (Web Mercator
    # metres times the parallel's factor).
    ground = (extent.bbox[2] - extent.bbox[0]) * ground_per_mercator_metre(extent.center[1])
    assert ground == pytest.approx(0.257 * extent.scale, rel=1e-9)
    assert extent.scale == 75_000  # 0.2° of longitude at 45.75° N is 15.6 km: 1:60,700 needed


def test_extent_at_zoom_takes_the_screen_scale():
    # Zoom 12 at 45.75° N: 38.2 m per pixel of Web Mercator, 26.7 m of ground, 1:101,000 on a 96 dpi screen.
    extent = extent_at_zoom(center=(126.64, 45.75), zoom=12, frame_mm=(190.0, 200.0))
    assert extent.scale == 100_000
    assert extent.center == pytest.approx((126.64, 45.75))


@pytest.mark.parametrize(("scale", "room", "metres", "label"), [
    (75_000, 40, 2_000, "2 km"), (10_000, 40, 200, "200 m"), (25_000, 48, 1_000, "1 km"), (800, 40, 20, "20 m"),
    (1_000_000, 48, 20_000, "20 km")])
def test_scale_bar_is_a_round_length_true_to_scale(scale, room, metres, label):
    bar = scale_bar(scale=scale, max_mm=room)
    assert (bar.metres, bar.label) == (metres, label)
    assert bar.length_mm == pytest.approx(metres * 1000 / scale)
    assert bar.length_mm <= room and bar.length_mm > room / 5


def test_ground_factor_at_harbin():
    # cos 45.75° / sqrt(1 - e² sin² 45.75°)
    assert ground_per_mercator_metre(45.75) == pytest.approx(math.cos(math.radians(45.75)) / 0.998281, rel=1e-5)
