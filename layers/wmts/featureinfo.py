"""WMTS GetFeatureInfo as the WMS GetFeatureInfo of one tile: the tile's bounds in its matrix set's
CRS become the BBOX of a 256×256 WMS 1.1.1 request (east/north order for both EPSG:3857 and
EPSG:4490), I/J become X/Y, and layers/maps/wms.py answers it, with its escaping and its
schema-only fields. WMS exception reports come back as OWS exceptions."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from layers.maps.wms import wms_handle
from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope
from layers.tiles.images import TILE_PIXELS
from layers.tiles.matrixsets import MatrixSet, tile_bounds
from layers.wmts.exceptions import OwsError

# INFOFORMAT -> the extension of its RESTful URL. The first is what clients take when they do not choose
# (GDAL's WMTS driver does): GeoJSON-like JSON, the one a program can read.
INFO_FORMATS = {"application/json": "json", "text/html": "html", "text/xml": "xml",
                "application/vnd.ogc.gml": "gml"}
_BY_EXTENSION = {ext: media for media, ext in INFO_FORMATS.items()}
FEATURE_COUNT = 10


def info_format(*, media_type: str | None = None, extension: str | None = None) -> str:
    if extension is not None:
        found = _BY_EXTENSION.get(extension.lower())
        if found is None:
            raise OwsError(f"Feature information ends in {', '.join('.' + e for e in _BY_EXTENSION)}, "
                           f"not .{extension[:10]}.", locator="InfoFormat")
        return found
    media = (media_type or "").split(";")[0].strip().lower()
    if media not in INFO_FORMATS:
        raise OwsError(f"INFOFORMAT {media_type[:40]!r} is not offered: use {', '.join(INFO_FORMATS)}.",
                       locator="InfoFormat")
    return media


def _pixel(value: str, name: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 0 <= int(value) < TILE_PIXELS:
        raise OwsError(f"{name} must be a whole number from 0 to {TILE_PIXELS - 1} (a pixel of the tile), "
                       f"not {value[:20]!r}.", code="PointIJOutOfRange", locator=name)
    return int(value)


def tile_feature_info(*, layer: Layer, grid: MatrixSet, level: int, row: int, col: int, i: str, j: str,
                      media_type: str, scope: FeatureScope = EVERYTHING) -> tuple[str, bytes]:
    """(media type, body) of the features of `layer` under pixel (i, j) of the tile; `scope`: a
    scoped share's area and fields (layers/scope.py)."""
    x, y = _pixel(i, "I"), _pixel(j, "J")
    west, south, east, north = tile_bounds(grid, level, row, col)
    params = {
        "SERVICE": "WMS", "VERSION": "1.1.1", "REQUEST": "GetFeatureInfo", "LAYERS": layer.slug,
        "QUERY_LAYERS": layer.slug, "STYLES": "", "SRS": f"EPSG:{grid.epsg}", "FORMAT": "image/png",
        "BBOX": f"{west!r},{south!r},{east!r},{north!r}", "WIDTH": str(TILE_PIXELS), "HEIGHT": str(TILE_PIXELS),
        "X": str(x), "Y": str(y), "INFO_FORMAT": media_type, "FEATURE_COUNT": str(FEATURE_COUNT),
    }
    answer = wms_handle(params=params, layers=[layer], online_resource="", language="zh", scopes={layer.pk: scope})
    if answer.status != 200:
        raise OwsError(_exception_text(answer.body), code="NoApplicableCode")
    return answer.content_type, answer.body


def _exception_text(body: bytes) -> str:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "The feature information could not be read."
    found = next((e for e in root.iter() if e.tag.endswith("ServiceException")), None)
    return ((found.text or "").strip() if found is not None else "") or "The feature information could not be read."
