"""The tile matrix sets served by WMTS and OGC API - Tiles: WebMercatorQuad and Tianditu's `c` and `w`.

- `WebMercatorQuad` is morecantile's (OGC 17-083r4, GoogleMapsCompatible), zoom 0 to GRID_MAX_ZOOM:
  the XYZ grid of layers/tiles/grid.py.
- `c` is 天地图's geographic grid: CGCS2000 (EPSG:4490) longitude/latitude, top-left corner 90 N
  180 W, level 1 = 2 x 1 tiles of 256 px (0.703125 degrees a pixel), each level halving the pixel.
- `w` is 天地图's Web Mercator grid (EPSG:3857): level n is WebMercatorQuad's zoom n, from level 1.

Tianditu publishes the scale denominators of both as 2.958293554545656E8 at level 1, halving at each
level. They assume 96 dpi (a pixel of 0.0254 / 96 m, not the OGC's 0.28 mm) and 111319.49079327357 m
to a degree (the equator's length / 360 on the WGS 84 sphere radius 6378137 m), so 0.703125 degrees
a pixel x 111319.49079327357 / (0.0254 / 96) = 295829355.4545656. Both grids carry these numbers,
so that a client configured for a Tianditu layer finds the same matrices here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import morecantile
from morecantile.models import TileMatrix, TileMatrixSet

from layers.tiles.grid import GRID_MAX_ZOOM

WEB_MERCATOR_QUAD = "WebMercatorQuad"
TIANDITU_C = "c"
TIANDITU_W = "w"
IDS = (WEB_MERCATOR_QUAD, TIANDITU_C, TIANDITU_W)

TILE_SIZE = 256
TIANDITU_MIN_LEVEL = 1
TIANDITU_MAX_LEVEL = 20  # Tianditu stops at 18; city data goes two levels deeper
TIANDITU_LEVEL1_SCALE = 2.958293554545656e8  # as Tianditu's capabilities publish it
METERS_PER_DEGREE = 111319.49079327357
PIXEL_METERS_96_DPI = 0.0254 / 96
MERCATOR_HALF = 20037508.342789244
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() also takes '²', which int() refuses


class GridError(ValueError):
    """A tile matrix set, matrix or tile that does not exist; `code` is the OWS exception code and
    `locator` the parameter at fault."""

    def __init__(self, message: str, *, code: str = "InvalidParameterValue", locator: str = ""):
        self.code, self.locator = code, locator
        super().__init__(message)


@dataclass(frozen=True)
class MatrixSet:
    id: str
    title: str
    tms: TileMatrixSet
    epsg: int
    min_level: int
    max_level: int
    well_known_scale_set: str = ""

    @property
    def crs_urn(self) -> str:
        return f"urn:ogc:def:crs:EPSG::{self.epsg}"

    @property
    def crs(self) -> str:
        return f"EPSG:{self.epsg}"

    @property
    def levels(self) -> range:
        return range(self.min_level, self.max_level + 1)

    def matrix(self, level: int) -> TileMatrix:
        return self.tms.matrix(level)


def tianditu_scale(level: int) -> float:
    """Tianditu's scale denominator of a level (halving is exact in binary floating point)."""
    return TIANDITU_LEVEL1_SCALE / 2 ** (level - 1)


def _tianditu_c() -> TileMatrixSet:
    matrices = []
    for level in range(TIANDITU_MIN_LEVEL, TIANDITU_MAX_LEVEL + 1):
        matrices.append(TileMatrix(
            id=str(level), scaleDenominator=tianditu_scale(level), cellSize=0.703125 / 2 ** (level - 1),
            cornerOfOrigin="topLeft", pointOfOrigin=(90.0, -180.0),  # in the CRS's axis order: lat, lon
            tileWidth=TILE_SIZE, tileHeight=TILE_SIZE, matrixWidth=2 ** level, matrixHeight=2 ** (level - 1),
        ))
    return TileMatrixSet(
        id=TIANDITU_C, title="Tianditu CGCS2000 geographic grid (c)", crs="http://www.opengis.net/def/crs/EPSG/0/4490",
        orderedAxes=["Lat", "Lon"], tileMatrices=matrices,
    )


def _tianditu_w() -> TileMatrixSet:
    matrices = []
    for level in range(TIANDITU_MIN_LEVEL, TIANDITU_MAX_LEVEL + 1):
        matrices.append(TileMatrix(
            id=str(level), scaleDenominator=tianditu_scale(level),
            cellSize=2 * MERCATOR_HALF / TILE_SIZE / 2 ** level,
            cornerOfOrigin="topLeft", pointOfOrigin=(-MERCATOR_HALF, MERCATOR_HALF),
            tileWidth=TILE_SIZE, tileHeight=TILE_SIZE, matrixWidth=2 ** level, matrixHeight=2 ** level,
        ))
    return TileMatrixSet(
        id=TIANDITU_W, title="Tianditu Web Mercator grid (w)", crs="http://www.opengis.net/def/crs/EPSG/0/3857",
        orderedAxes=["X", "Y"], tileMatrices=matrices,
    )


@cache
def matrix_sets() -> dict[str, MatrixSet]:
    return {
        WEB_MERCATOR_QUAD: MatrixSet(
            WEB_MERCATOR_QUAD, "Google Maps Compatible for the World",
            morecantile.tms.get(WEB_MERCATOR_QUAD), 3857, 0, GRID_MAX_ZOOM,
            "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        ),
        TIANDITU_C: MatrixSet(TIANDITU_C, "天地图 CGCS2000 经纬度 (c)", _tianditu_c(), 4490,
                              TIANDITU_MIN_LEVEL, TIANDITU_MAX_LEVEL),
        TIANDITU_W: MatrixSet(TIANDITU_W, "天地图 球面墨卡托 (w)", _tianditu_w(), 3857,
                              TIANDITU_MIN_LEVEL, TIANDITU_MAX_LEVEL),
    }


# Names clients send for our sets (case-insensitive); GoogleMapsCompatible is WMTS's usual name.
_ALIASES = {"webmercatorquad": WEB_MERCATOR_QUAD, "googlemapscompatible": WEB_MERCATOR_QUAD,
            "c": TIANDITU_C, "w": TIANDITU_W}


def matrix_set(raw: str | None, *, locator: str = "TileMatrixSet") -> MatrixSet:
    if not raw:
        raise GridError(f"Give the tile matrix set ({', '.join(IDS)}).", code="MissingParameterValue",
                        locator=locator)
    key = _ALIASES.get(raw.strip().lower())
    if key is None:
        raise GridError(f"There is no tile matrix set {raw[:40]!r}; the sets are {', '.join(IDS)}.", locator=locator)
    return matrix_sets()[key]


def parse_level(grid: MatrixSet, raw: str | None, *, locator: str = "TileMatrix") -> int:
    """A tile matrix: a bare level number, or `<set>:<level>` as some clients write it."""
    if not raw:
        raise GridError("Give the tile matrix (the level number).", code="MissingParameterValue", locator=locator)
    text = raw.strip().rsplit(":", 1)[-1]
    if not _DIGITS.fullmatch(text) or len(text) > 3:
        raise GridError(f"The tile matrix must be a level number, not {raw[:40]!r}.", locator=locator)
    level = int(text)
    if level not in grid.levels:
        raise GridError(f"Tile matrix set {grid.id} has the levels {grid.min_level} to {grid.max_level}, "
                        f"not {level}.", locator=locator)
    return level


def _index(name: str, raw: str | int) -> int:
    if isinstance(raw, int):
        return raw
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        raise GridError(f"The {name} must be a whole number, not {raw[:40]!r}.", locator=name)
    return int(text)


def check_tile(grid: MatrixSet, level: int, row: str | int, col: str | int) -> tuple[int, int]:
    """(row, col) checked against the matrix; TileOutOfRange when they lie outside it."""
    row_, col_ = _index("TileRow", row), _index("TileCol", col)
    matrix = grid.matrix(level)
    if not 0 <= row_ < matrix.matrixHeight:
        raise GridError(f"TileRow {row_} is outside level {level} of {grid.id}: rows run from 0 to "
                        f"{matrix.matrixHeight - 1}.", code="TileOutOfRange", locator="TileRow")
    if not 0 <= col_ < matrix.matrixWidth:
        raise GridError(f"TileCol {col_} is outside level {level} of {grid.id}: columns run from 0 to "
                        f"{matrix.matrixWidth - 1}.", code="TileOutOfRange", locator="TileCol")
    return row_, col_


def tile_bounds(grid: MatrixSet, level: int, row: int, col: int) -> tuple[float, float, float, float]:
    """The tile's (minx, miny, maxx, maxy) in the set's CRS, east/north order (lon, lat for `c`)."""
    box = grid.tms.xy_bounds(morecantile.Tile(col, row, level))
    return box.left, box.bottom, box.right, box.top


def tiles_covering(grid: MatrixSet, bbox: tuple[float, float, float, float], level: int
                   ) -> tuple[int, int, int, int]:
    """(col_min, row_min, col_max, row_max), inclusive, of the tiles of `level` that meet a lon/lat box."""
    west, south, east, north = bbox
    matrix = grid.matrix(level)
    if grid.epsg == 4490:  # CGCS2000 and WGS 84 coordinates agree to well under a pixel at level 20
        x0, y0, x1, y1 = west, south, east, north
    else:
        lat_max = 85.0511287798066
        x0, y0 = _mercator(west, max(-lat_max, south))
        x1, y1 = _mercator(east, min(lat_max, north))
    if grid.epsg == 4490:
        left, top = -180.0, 90.0
    else:
        left, top = -MERCATOR_HALF, MERCATOR_HALF
    span = matrix.cellSize * TILE_SIZE

    def clamp(value: float, size: int) -> int:
        return max(0, min(size - 1, math.floor(value)))

    return (clamp((x0 - left) / span, matrix.matrixWidth), clamp((top - y1) / span, matrix.matrixHeight),
            clamp((x1 - left) / span, matrix.matrixWidth), clamp((top - y0) / span, matrix.matrixHeight))


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


def wgs84_bounds(grid: MatrixSet) -> tuple[float, float, float, float]:
    box = grid.tms.bbox
    return box.left, box.bottom, box.right, box.top


def tile_limits(grid: MatrixSet, bbox: tuple[float, float, float, float], levels) -> list[dict]:
    """Per level, the tiles meeting a lon/lat box as OGC tile matrix limits (the keys of OGC API -
    Tiles' tileMatrixSetLimits; WMTS writes the same numbers as TileMatrixLimits)."""
    limits = []
    for level in levels:
        col0, row0, col1, row1 = tiles_covering(grid, bbox, level)
        limits.append({"tileMatrix": str(level), "minTileRow": row0, "maxTileRow": row1,
                       "minTileCol": col0, "maxTileCol": col1})
    return limits
