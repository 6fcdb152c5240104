"""Coordinate systems an import may come in and an export may go out in.

Supported: WGS 84 (EPSG:4326), CGCS2000 (4490) and its 6-degree (4491–4512) and 3-degree
(4513–4554) Gauss-Krüger zones, the Xi'an 1980 and Beijing 1954 Gauss-Krüger zones, Web Mercator
(3857), and GCJ-02 — the offset system of Chinese web maps, which has no EPSG code.

Accuracy. CGCS2000 and WGS 84 differ by centimetres; PROJ treats them as identical. For Xi'an 1980
and Beijing 1954 PROJ uses the published EPSG transformation where one exists and otherwise a
"ballpark" one: expect errors of tens of metres up to ~100 m unless the data owner supplies local
parameters. GCJ-02 is converted with the publicly known reconstruction of the official offset
(Krasovsky ellipsoid constants, as used by eviltransform/coordtransform); the inverse is solved by
iteration to 1e-7 degrees (~1 cm) relative to that formula, and the formula itself agrees with the
Chinese web maps to about 1–2 m. Outside mainland China GCJ-02 equals WGS 84.
"""
from __future__ import annotations

from functools import lru_cache

from pyproj import CRS
from pyproj.database import query_crs_info
from pyproj.exceptions import CRSError

from layers.io.errors import InvalidRequest

GCJ02 = "GCJ02"
_ZONE_PREFIXES = (
    "CGCS2000 / Gauss-Kruger", "CGCS2000 / 3-degree Gauss-Kruger",
    "Xian 1980 / Gauss-Kruger", "Xian 1980 / 3-degree Gauss-Kruger",
    "Beijing 1954 / Gauss-Kruger", "Beijing 1954 / 3-degree Gauss-Kruger",
)


@lru_cache(maxsize=1)
def supported_epsg() -> dict[int, str]:
    """EPSG code -> name of every CRS the platform accepts."""
    codes = {4326: "WGS 84", 4490: "CGCS2000", 3857: "WGS 84 / Pseudo-Mercator"}
    for info in query_crs_info(auth_name="EPSG"):
        if info.name.startswith(_ZONE_PREFIXES):
            codes[int(info.code)] = info.name
    return codes


def parse_crs(raw: str | None) -> int | str | None:
    """'EPSG:4549', '4549', 'GCJ02' -> 4549 / 'GCJ02'; None/'' -> None; anything else -> InvalidRequest."""
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip().upper().replace("-", "")
    if text in ("GCJ02", "GCJ"):
        return GCJ02
    if text.startswith("EPSG:"):
        text = text[5:]
    if not text.isdigit() or int(text) not in supported_epsg():
        raise InvalidRequest(
            f"Unsupported coordinate system {raw!r}: use EPSG:4326, 4490, 3857, a CGCS2000/Xi'an 1980/"
            "Beijing 1954 Gauss-Krüger zone (e.g. EPSG:4527) or GCJ02."
        )
    return int(text)


def epsg_from_wkt(wkt: str | None) -> int | None:
    """The EPSG code of a file's CRS (.prj/ESRI WKT included) when PROJ can identify it."""
    if not wkt:
        return None
    try:
        crs = CRS.from_wkt(wkt)
    except CRSError:
        return None  # an unidentifiable CRS: the user is asked to choose one
    code = crs.to_epsg(min_confidence=70)
    return int(code) if code else None


def map_geojson_coords(geometry: dict, func) -> dict:
    """Apply func(lon, lat) to every position of a GeoJSON geometry (keeps extra dimensions)."""

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lon, lat = func(coords[0], coords[1])
            return [lon, lat, *coords[2:]]
        return [walk(c) for c in coords]

    if geometry.get("type") == "GeometryCollection":
        return {"type": "GeometryCollection",
                "geometries": [map_geojson_coords(g, func) for g in geometry.get("geometries", [])]}
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}
