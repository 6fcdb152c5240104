"""The XYZ tile grid of Web Mercator (EPSG:3857): parsing tile addresses from URLs and finding
the tiles a lon/lat box touches (for precise cache invalidation)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

# The deepest zoom the grid serves, whatever a layer's max_zoom says (z24 tiles are ~2.4 m wide).
GRID_MAX_ZOOM = 24
# MVT coordinate space and the buffer around each tile, in those units: features reaching this
# far beyond the tile edge are included (and clipped there) so that strokes join across tiles.
EXTENT = 4096
BUFFER = 64
MERCATOR_MAX_LAT = 85.0511287798066
_NUMBER_RE = re.compile(r"-?[0-9]{1,12}")


class TileRequestError(ValueError):
    """A tile address that cannot be served; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"


def _parse_number(name: str, raw: str) -> int:
    if not _NUMBER_RE.fullmatch(raw):
        raise TileRequestError(400, f"The tile {name} must be a whole number, not {raw[:40]!r}.")
    return int(raw)


def parse_tile(z: str, x: str, y: str) -> Tile:
    """Validate a tile address from a URL against the grid (not yet against a layer's zoom range)."""
    zoom, column, row = _parse_number("zoom", z), _parse_number("column (x)", x), _parse_number("row (y)", y)
    if not 0 <= zoom <= GRID_MAX_ZOOM:
        raise TileRequestError(404, f"Zoom {zoom} is outside the tile grid (0 to {GRID_MAX_ZOOM}).")
    size = 1 << zoom
    if not (0 <= column < size and 0 <= row < size):
        raise TileRequestError(
            404, f"Tile {zoom}/{column}/{row} is outside the tile grid: at zoom {zoom}, x and y run from 0 to "
            f"{size - 1}.",
        )
    return Tile(zoom, column, row)


def _fractional_xy(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    size = 1 << zoom
    lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat))
    fx = (lon + 180.0) / 360.0 * size
    fy = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * size
    return fx, fy


def tile_range(bbox: tuple[float, float, float, float], zoom: int) -> tuple[int, int, int, int]:
    """(x_min, y_min, x_max, y_max), inclusive, of the tiles whose buffered envelope meets `bbox`.

    The buffer is the one the tile queries use, so every tile that could show a feature inside
    the box is in the range."""
    west, south, east, north = bbox
    size = 1 << zoom
    margin = BUFFER / EXTENT
    fx0, fy0 = _fractional_xy(west, north, zoom)
    fx1, fy1 = _fractional_xy(east, south, zoom)

    def clamp(value: float) -> int:
        return max(0, min(size - 1, math.floor(value)))

    return clamp(fx0 - margin), clamp(fy0 - margin), clamp(fx1 + margin), clamp(fy1 + margin)


def tile_at(lon: float, lat: float, zoom: int) -> Tile:
    """The tile of `zoom` that holds the point."""
    size = 1 << zoom
    fx, fy = _fractional_xy(lon, lat, zoom)
    return Tile(zoom, max(0, min(size - 1, math.floor(fx))), max(0, min(size - 1, math.floor(fy))))


def _lat_of_row(row: float, zoom: int) -> float:
    n = math.pi - 2 * math.pi * row / (1 << zoom)
    return max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, math.degrees(math.atan(math.sinh(n)))))


def buffered_bounds(tile: Tile) -> tuple[float, float, float, float]:
    """The tile grown by the buffer, in lon/lat and cut to the world (the query box of a tile).

    Cut here rather than transformed in SQL, where a buffer beyond +-180 wraps around."""
    size = 1 << tile.z
    margin = BUFFER / EXTENT
    west = max(-180.0, (tile.x - margin) / size * 360.0 - 180.0)
    east = min(180.0, (tile.x + 1 + margin) / size * 360.0 - 180.0)
    return west, _lat_of_row(tile.y + 1 + margin, tile.z), east, _lat_of_row(tile.y - margin, tile.z)


def center_latitude(tile: Tile) -> float:
    return _lat_of_row(tile.y + 0.5, tile.z)
