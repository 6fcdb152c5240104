"""OGC API - Maps core: a collection's map (/collections/{id}/map) and a map of several (/map).

The map is drawn by layers.maps.render.map_render for a bbox (in bbox-crs, default CRS84), an
output crs (default CRS84), width and height (default 1024 px wide, the height from the bbox's
shape), as PNG or JPEG. Axis order follows the CRS as OGC API - Features Part 2 has it: EPSG:4326
and EPSG:4490 are latitude first, CRS84 longitude first.
"""
from __future__ import annotations

import math
import re

from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, Polygon

from layers.maps.errors import MapRequestError
from layers.maps.render import map_render
from layers.models import Layer
from layers.ogcapi import crs as crs_mod
from layers.ogcapi.core import _layer_or_404
from layers.ogcapi.protocol import ApiError, ApiRequest, ApiResponse
from layers.scope import drawing_scopes
from layers.wmts.capabilities import layer_bounds

_DIGITS = re.compile(r"[0-9]{1,9}")
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
DEFAULT_WIDTH = 1024
MAX_COLLECTIONS = 20
DEFAULT_PAD_DEGREES = 0.005  # around a default extent of one point (or a line along a meridian)
_PARAMS = {"bbox", "bbox-crs", "crs", "width", "height", "f", "transparent", "collections"}


def collection_map(req: ApiRequest, collection_id: str) -> ApiResponse:
    return _map(req, [_layer_or_404(req, collection_id, scoped=True)])


def dataset_map(req: ApiRequest) -> ApiResponse:
    raw = req.params.get("collections", "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        raise ApiError(400, "Name the collections to draw: collections=<id>,<id>… (bottom first).",
                       "MissingParameterValue")
    if len(names) > MAX_COLLECTIONS:
        raise ApiError(400, f"At most {MAX_COLLECTIONS} collections in one map.")
    return _map(req, [_layer_or_404(req, name, scoped=True) for name in names])


def _map(req: ApiRequest, layers: list[Layer]) -> ApiResponse:
    scopes = drawing_scopes(principal=req.principal, layers=layers)  # scoped shares drawn within them
    if scopes is None:
        raise ApiError(404, "There is no such collection.", "NotFound")
    unknown = set(req.params) - _PARAMS
    if unknown:
        raise ApiError(400, f"Unknown query parameter(s): {', '.join(sorted(unknown))}.")
    fmt = _format(req)
    out = _crs(req.params.get("crs"), "crs")
    bbox = _bbox(req, layers, out)
    width, height = _size(req, bbox, out)
    transparent = _boolean(req.params.get("transparent"), default=fmt == "png")
    try:
        body = map_render(layers=layers, bbox=bbox, crs=f"EPSG:{out.srid}", width=width, height=height, fmt=fmt,
                          transparent=transparent, language=req.language, scopes=scopes)
    except MapRequestError as exc:
        raise ApiError(400, exc.message, exc.code) from exc
    headers = {"Content-Crs": f"<{out.uri}>", "Content-Bbox": ",".join(repr(v) for v in _ordered(bbox, out))}
    if any(layer.visibility != Layer.Visibility.PUBLIC for layer in layers):
        headers["Cache-Control"] = "private"
    return ApiResponse(200, body, MEDIA_TYPES[fmt], headers)


def _format(req: ApiRequest) -> str:
    raw = req.params.get("f")
    if raw is None:
        accept = req.headers.get("accept", "")
        return "jpeg" if "image/jpeg" in accept and "image/png" not in accept else "png"
    fmt = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "image/png": "png", "image/jpeg": "jpeg"}.get(raw.lower())
    if fmt is None:
        raise ApiError(400, f"f must be png or jpeg, not {raw[:40]!r}.")
    return fmt


def _crs(raw: str | None, name: str) -> crs_mod.CrsDef:
    try:
        return crs_mod.crs_by_uri(raw)
    except crs_mod.CrsError as exc:
        raise ApiError(400, f"{name}: {exc}") from exc


def _ordered(bbox: tuple[float, float, float, float], crs: crs_mod.CrsDef) -> tuple[float, ...]:
    """East/north order to the CRS's own axis order, or back (the swap is its own inverse)."""
    minx, miny, maxx, maxy = bbox
    return (miny, minx, maxy, maxx) if crs.flip else bbox


def _bbox(req: ApiRequest, layers: list[Layer], out: crs_mod.CrsDef) -> tuple[float, float, float, float]:
    """The bbox in `out`, east/north order: the one asked for, else the layers' extent."""
    raw = req.params.get("bbox")
    if raw is None:
        if req.params.get("bbox-crs"):
            raise ApiError(400, "bbox-crs is given without bbox.")
        boxes = [layer_bounds(layer) for layer in layers]
        west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
        east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
        pad = DEFAULT_PAD_DEGREES if east - west < DEFAULT_PAD_DEGREES or north - south < DEFAULT_PAD_DEGREES else 0
        bbox = (west - pad, south - pad, east + pad, north + pad)
        source = crs_mod.DEFAULT
    else:
        try:
            numbers = [float(part) for part in raw.split(",")]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise ApiError(400, "bbox must be four comma-separated numbers: lower corner, then upper corner.")
        source = _crs(req.params.get("bbox-crs"), "bbox-crs")
        bbox = _ordered(tuple(numbers), source)
        if bbox[0] >= bbox[2] or bbox[1] >= bbox[3]:
            raise ApiError(400, "bbox: the lower corner must come before the upper corner, and the box must "
                                "not be empty.")
    if source.srid == out.srid:
        return bbox
    polygon = Polygon.from_bbox(bbox)
    polygon.srid = source.srid
    try:
        return tuple(polygon.transform(out.srid, clone=True).extent)
    except (GDALException, GEOSException) as exc:
        raise ApiError(400, f"bbox cannot be transformed from {source.uri} to {out.uri}: {exc}") from exc


def _size(req: ApiRequest, bbox: tuple[float, float, float, float], out: crs_mod.CrsDef) -> tuple[int, int]:
    width, height = _pixels(req, "width"), _pixels(req, "height")
    if width and height:
        return width, height
    dx, dy = bbox[2] - bbox[0], bbox[3] - bbox[1]
    if out.srid in (4326, 4490):  # a degree of longitude is shorter than one of latitude away from the equator
        dx *= math.cos(math.radians((bbox[1] + bbox[3]) / 2))
    if width:
        return width, max(1, round(width * dy / dx))
    if height:
        return max(1, round(height * dx / dy)), height
    return DEFAULT_WIDTH, max(1, round(DEFAULT_WIDTH * dy / dx))


def _pixels(req: ApiRequest, name: str) -> int | None:
    raw = req.params.get(name)
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw) or not 0 < int(raw) <= 100_000:
        raise ApiError(400, f"{name} must be a whole number of pixels, not {raw[:40]!r}.")
    return int(raw)


def _boolean(raw: str | None, *, default: bool) -> bool:
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise ApiError(400, "transparent must be true or false.")
    return raw.lower() == "true"
