"""The printed map's scale, extent and scale bar: pure arithmetic on Web Mercator, testable alone.

The map is drawn in EPSG:3857, so north is up and the page matches the map on screen. A Web
Mercator metre covers cos φ / √(1 − e² sin² φ) metres on the WGS 84 ellipsoid along the parallel
φ; the scale stated on the page is the true one at the map's centre (it drifts by about 0.5 % per
30 km north or south of it at Harbin's latitude).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS = 6378137.0  # EPSG:3857's sphere: WGS 84's semi-major axis
E2 = 0.00669437999014  # WGS 84's first eccentricity squared
# Scale denominators a printed map may have: these steps times a power of ten.
NICE_SCALES = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5)
# Scale bar lengths: these steps times a power of ten metres.
NICE_LENGTHS = (1.0, 2.0, 5.0)
SCREEN_PIXEL_M = 0.0254 / 96  # a CSS pixel
WEB_MERCATOR_RESOLUTION_Z0 = 2 * math.pi * EARTH_RADIUS / 256  # metres per pixel of a 256-pixel tile at zoom 0


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    return (EARTH_RADIUS * math.radians(lon),
            EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    return (math.degrees(x / EARTH_RADIUS),
            math.degrees(2 * math.atan(math.exp(y / EARTH_RADIUS)) - math.pi / 2))


def ground_per_mercator_metre(lat: float) -> float:
    phi = math.radians(lat)
    return math.cos(phi) / math.sqrt(1 - E2 * math.sin(phi) ** 2)


def nice_scale_at_least(denominator: float) -> int:
    """The smallest scale denominator of the NICE_SCALES series not below `denominator`."""
    exponent = math.floor(math.log10(max(denominator, 1.0)))
    for power in (exponent, exponent + 1):
        for step in NICE_SCALES:
            candidate = step * 10 ** power
            if candidate >= denominator * (1 - 1e-9):
                return round(candidate)
    raise AssertionError("unreachable")


def nice_scale_nearest(denominator: float) -> int:
    exponent = math.floor(math.log10(max(denominator, 1.0)))
    candidates = [step * 10 ** p for p in (exponent - 1, exponent, exponent + 1) for step in NICE_SCALES]
    return round(min(candidates, key=lambda c: abs(math.log(c / denominator))))


@dataclass(frozen=True)
class MapExtent:
    """What the map frame shows: its Web Mercator bbox, the scale denominator, the centre."""

    bbox: tuple[float, float, float, float]
    scale: int
    center: tuple[float, float]  # lon, lat


def extent_covering(*, bbox: tuple[float, float, float, float], frame_mm: tuple[float, float]) -> MapExtent:
    """The round scale at which a frame of `frame_mm` covers the lon/lat `bbox`, centred on it."""
    x0, y0 = lonlat_to_mercator(bbox[0], bbox[1])
    x1, y1 = lonlat_to_mercator(bbox[2], bbox[3])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    lon, lat = mercator_to_lonlat(cx, cy)
    ground = ground_per_mercator_metre(lat)
    needed = max((x1 - x0) * ground / (frame_mm[0] / 1000), (y1 - y0) * ground / (frame_mm[1] / 1000))
    return _extent(cx, cy, nice_scale_at_least(needed), frame_mm)


def extent_at_zoom(*, center: tuple[float, float], zoom: float, frame_mm: tuple[float, float]) -> MapExtent:
    """The round scale nearest to the screen's at `zoom`, the frame centred on `center` (lon, lat)."""
    cx, cy = lonlat_to_mercator(*center)
    screen = WEB_MERCATOR_RESOLUTION_Z0 / 2 ** zoom * ground_per_mercator_metre(center[1]) / SCREEN_PIXEL_M
    return _extent(cx, cy, nice_scale_nearest(screen), frame_mm)


def _extent(cx: float, cy: float, scale: int, frame_mm: tuple[float, float]) -> MapExtent:
    lon, lat = mercator_to_lonlat(cx, cy)
    per_paper_metre = scale / ground_per_mercator_metre(lat)  # mercator metres per metre of paper
    half_w, half_h = frame_mm[0] / 2000 * per_paper_metre, frame_mm[1] / 2000 * per_paper_metre
    return MapExtent(bbox=(cx - half_w, cy - half_h, cx + half_w, cy + half_h), scale=scale, center=(lon, lat))


def lonlat_bbox(extent: MapExtent) -> tuple[float, float, float, float]:
    west, south = mercator_to_lonlat(extent.bbox[0], extent.bbox[1])
    east, north = mercator_to_lonlat(extent.bbox[2], extent.bbox[3])
    return west, south, east, north


@dataclass(frozen=True)
class ScaleBar:
    metres: int  # the ground length the bar stands for
    length_mm: float  # its length on paper
    segments: int

    @property
    def label(self) -> str:
        return f"{self.metres // 1000} km" if self.metres >= 1000 else f"{self.metres} m"


def scale_bar(*, scale: int, max_mm: float) -> ScaleBar:
    """The longest round ground length whose bar fits in `max_mm` of paper at 1:`scale`."""
    ground_max = max_mm / 1000 * scale
    exponent = math.floor(math.log10(ground_max))
    metres = max(step * 10 ** exponent for step in NICE_LENGTHS if step * 10 ** exponent <= ground_max)
    metres = round(metres)
    first = metres // 10 ** exponent if exponent >= 0 else 1
    return ScaleBar(metres=metres, length_mm=metres / scale * 1000, segments={1: 4, 2: 4, 5: 5}.get(first, 4))
