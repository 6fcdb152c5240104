"""Coordinates typed or pasted into the search box, and GCJ-02 (the offset datum of Chinese web
maps) converted back to WGS 84.

Accepted: decimal degrees in either order when the order is unambiguous ("126.64, 45.75",
"45.75 126.64"), hemisphere letters or Chinese words before or after a value (45.75N 126.64E,
北纬45.75 东经126.64), and degrees-minutes-seconds with ASCII, typographic or Chinese marks
(45°45'30"N 126°38'E, 45度45分30秒 126度38分). Pure Python, no Django, so it is table-tested alone.

GCJ-02 -> WGS 84: GCJ-02 is only published as a forward obfuscation (WGS 84 -> GCJ-02); the
inverse is found by fixed-point iteration on the widely used public form of that forward
transform (Krasovsky 1940 ellipsoid). The iteration stops when the forward image of the
estimate is within 1e-9 degrees (about 0.1 mm) of the input, so the inverse reproduces the
forward transform to better than a millimetre; the forward formula itself matches official
GCJ-02 to within a few decimetres, which bounds the overall accuracy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


class CoordinateError(ValueError):
    """The text looks like a coordinate but is not a valid one; the message says why."""


@dataclass(frozen=True)
class Coordinate:
    lon: float
    lat: float


_WORDS = [("北纬", "N"), ("南纬", "S"), ("东经", "E"), ("西经", "W"), ("北", "N"), ("南", "S"), ("东", "E"),
          ("西", "W"), ("度", "°"), ("分", "'"), ("秒", '"'), ("º", "°"), ("˚", "°"), ("′", "'"), ("’", "'"),
          ("″", '"'), ("”", '"'), ("''", '"'), ("，", ","), ("；", ";")]
_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
_VALUE = (
    r"(?P<degI>" + _NUMBER + r")\s*°?\s*"
    r"(?:(?P<minI>\d{1,2}(?:\.\d+)?)\s*'\s*)?(?:(?P<secI>\d{1,2}(?:\.\d+)?)\s*\"\s*)?"
)
_SEPARATOR = r"\s*(?:[,;/]\s*|\s+|(?<=[NSEW°'\"])(?=[NSEW\d+-]))"
# Hemisphere letters either all before their values (N45 E126) or all after them (45N 126E), or none.
_PREFIX_RE = re.compile(
    r"^\s*(?P<h1>[NSEW])\s*" + _VALUE.replace("I>", "1>") + _SEPARATOR
    + r"(?P<h2>[NSEW])\s*" + _VALUE.replace("I>", "2>") + r"\s*$"
)
_SUFFIX_RE = re.compile(
    r"^\s*" + _VALUE.replace("I>", "1>") + r"(?P<h1>[NSEW])?" + _SEPARATOR
    + _VALUE.replace("I>", "2>") + r"(?P<h2>[NSEW])?\s*$"
)
# Anything else than digits, signs, separators, marks and hemisphere letters: not a coordinate.
_LOOKS_LIKE_RE = re.compile(r"^[\d\s.,;/+\-°'\"NSEW]+$")


def _component(match: re.Match, i: int) -> tuple[float, str | None]:
    deg_text, minutes, seconds = match[f"deg{i}"], match[f"min{i}"], match[f"sec{i}"]
    hemisphere = match[f"h{i}"]
    value = abs(float(deg_text))
    negative = deg_text.startswith("-")
    if minutes is not None or seconds is not None:
        if "." in deg_text:
            raise CoordinateError("With minutes or seconds, the degrees must be a whole number.")
        mins = float(minutes or 0)
        secs = float(seconds or 0)
        if mins >= 60 or secs >= 60:
            raise CoordinateError("Minutes and seconds must be below 60.")
        value += mins / 60 + secs / 3600
    if hemisphere in ("S", "W"):
        if negative:
            raise CoordinateError("Use either a minus sign or S/W, not both.")
        negative = True
    return (-value if negative else value), hemisphere


def parse_coordinate(text: str, *, prefer_extent: tuple[float, float, float, float] | None = None) -> Coordinate | None:
    """The coordinate `text` denotes, None when it is not a coordinate at all; raises
    CoordinateError when it is one but invalid or ambiguous. `prefer_extent` (west, south, east,
    north) settles the order of two values that would both be valid either way."""
    normal = text.strip()
    for word, mark in _WORDS:
        normal = normal.replace(word, mark)
    normal = normal.upper()
    if not normal or not _LOOKS_LIKE_RE.match(normal) or not re.search(r"\d", normal):
        return None
    match = (_PREFIX_RE if normal.lstrip()[0] in "NSEW" else _SUFFIX_RE).match(normal)
    if match is None:
        return None
    (a, ha), (b, hb) = _component(match, 1), _component(match, 2)
    axis_a = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}.get(ha or "")
    axis_b = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}.get(hb or "")
    if axis_a and axis_b and axis_a == axis_b:
        raise CoordinateError("Both values name the same axis; give one latitude (N/S) and one longitude (E/W).")
    if axis_a or axis_b:
        lat_first = axis_a == "lat" or axis_b == "lon"
        candidates = [(b, a)] if lat_first else [(a, b)]
    else:
        candidates = [(lon, lat) for lon, lat in ((a, b), (b, a)) if abs(lat) <= 90 and abs(lon) <= 180]
        if len(candidates) == 2 and a == b:
            candidates = candidates[:1]
        if len(candidates) == 2 and prefer_extent is not None:
            west, south, east, north = prefer_extent
            inside = [(lon, lat) for lon, lat in candidates if west <= lon <= east and south <= lat <= north]
            if len(inside) == 1:
                candidates = inside
        if len(candidates) == 2:
            raise CoordinateError(
                "These two numbers could be latitude, longitude or the reverse; add N/E (or 北纬/东经)."
            )
    if not candidates:
        raise CoordinateError("Latitude must lie within ±90° and longitude within ±180°.")
    lon, lat = candidates[0]
    if abs(lat) > 90:
        raise CoordinateError("Latitude must lie within ±90°.")
    if abs(lon) > 180:
        raise CoordinateError("Longitude must lie within ±180°.")
    return Coordinate(lon=lon, lat=lat)
