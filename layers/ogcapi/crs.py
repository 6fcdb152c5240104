"""Coordinate reference systems offered by reference (OGC API - Features Part 2).

Every non-CRS84 CRS is served in its EPSG axis order, as Part 2 requires: EPSG:4326 and
EPSG:4490 are latitude first; the CGCS2000 Gauss-Krüger systems are northing first.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
STORAGE_SRID = 4326
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
_EPSG_RE = re.compile(r"^(?:https?://www\.opengis\.net/def/crs/EPSG/0/|\[?EPSG:)(\d{4,6})\]?$")
_CRS84_FORMS = {CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84", "[OGC:CRS84]", "OGC:CRS84"}


@dataclass(frozen=True)
class CrsDef:
    uri: str
    srid: int
    flip: bool  # True when the CRS's first axis is latitude/northing
    decimals: int  # enough for 1 cm or better

    @property
    def is_storage(self) -> bool:
        return self.srid == STORAGE_SRID and not self.flip


def epsg_uri(code: int) -> str:
    return _EPSG_URI.format(code)


# 4530: CGCS2000 3-degree Gauss-Krüger zone 42 (central meridian 126°E, zone number in the
# easting) — the zone covering Harbin's urban area; 4551 is the same projection without the prefix.
SUPPORTED: dict[str, CrsDef] = {
    CRS84: CrsDef(CRS84, 4326, False, 7),
    epsg_uri(4326): CrsDef(epsg_uri(4326), 4326, True, 7),
    epsg_uri(3857): CrsDef(epsg_uri(3857), 3857, False, 3),
    epsg_uri(4490): CrsDef(epsg_uri(4490), 4490, True, 7),
    epsg_uri(4530): CrsDef(epsg_uri(4530), 4530, True, 3),
    epsg_uri(4551): CrsDef(epsg_uri(4551), 4551, True, 3),
}
DEFAULT = SUPPORTED[CRS84]


class CrsError(ValueError):
    """The requested CRS is not offered."""


def crs_by_uri(value: str | None) -> CrsDef:
    """The CRS named by a URI or safe CURIE, CRS84 when absent."""
    if value is None or value == "":
        return DEFAULT
    value = value.strip().strip("<>")
    if value in _CRS84_FORMS:
        return DEFAULT
    match = _EPSG_RE.match(value)
    if match and epsg_uri(int(match.group(1))) in SUPPORTED:
        return SUPPORTED[epsg_uri(int(match.group(1)))]
    raise CrsError(f"Unsupported CRS {value!r}; use one of: {', '.join(SUPPORTED)}.")


def to_storage(geometry: GEOSGeometry, source: CrsDef) -> GEOSGeometry:
    """A geometry given in `source` (x/y already in lon/lat or easting/northing order) moved to
    EPSG:4326 by GDAL here, so that coordinates PROJ cannot transform are the client's error."""
    geometry.srid = source.srid
    if source.srid != STORAGE_SRID:
        try:
            geometry = geometry.transform(STORAGE_SRID, clone=True)
        except (GDALException, GEOSException) as exc:
            raise CrsError(f"The coordinates cannot be transformed from {source.uri}: {exc}") from exc
    west, south, east, north = geometry.extent
    if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
            -180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise CrsError(f"The coordinates lie outside the area of {source.uri}.")
    return geometry
