"""The WMTS 1.0.0 capabilities document: the layers the requester may see, the three matrix sets.

Each layer links all three sets with TileMatrixSetLimits cut to its extent over its zoom range,
and offers RESTful ResourceURL templates beside the KVP operations."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings

from layers.models import Layer
from layers.tiles.matrixsets import WEB_MERCATOR_QUAD, MatrixSet, matrix_sets, tile_limits
from layers.tiles.tilejson import zoom_range
from layers.wmts.exceptions import OWS_NS
from layers.wmts.featureinfo import INFO_FORMATS

WMTS_NS = "http://www.opengis.net/wmts/1.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
DEFAULT_STYLE = "default"
GOOGLE_MAPS_COMPATIBLE_URN = "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible"


def layer_bounds(layer: Layer) -> tuple[float, float, float, float]:
    """The lon/lat box of the layer's data: the raster's footprint, the features' extent, else the city."""
    source = getattr(layer, "raster", None) if layer.is_raster else None
    polygon = source.extent if source is not None else layer.extent
    if polygon is not None:
        return tuple(polygon.extent)
    return tuple(settings.CITY_EXTENT)


def grid_levels(layer: Layer, grid: MatrixSet) -> range:
    """The levels of `grid` the layer is served at: its zoom range, which `w` and `c` share by number."""
    low, high = zoom_range(layer)
    return range(max(low, grid.min_level), min(high, grid.max_level) + 1)


def _e(text: str) -> str:
    return escape(text or "")


def _titles(tag: str, zh: str, en: str) -> str:
    out = [f'<ows:{tag} xml:lang="zh">{_e(zh)}</ows:{tag}>'] if zh else []
    if en:
        out.append(f'<ows:{tag} xml:lang="en">{_e(en)}</ows:{tag}>')
    return "".join(out)


def _limits(layer: Layer, grid: MatrixSet, bounds) -> str:
    return "".join(
        f"<TileMatrixLimits><TileMatrix>{limit['tileMatrix']}</TileMatrix><MinTileRow>{limit['minTileRow']}"
        f"</MinTileRow><MaxTileRow>{limit['maxTileRow']}</MaxTileRow><MinTileCol>{limit['minTileCol']}"
        f"</MinTileCol><MaxTileCol>{limit['maxTileCol']}</MaxTileCol></TileMatrixLimits>"
        for limit in tile_limits(grid, bounds, grid_levels(layer, grid)))


def _layer(layer: Layer, rest_base: str, query: str) -> str:
    west, south, east, north = bounds = layer_bounds(layer)
    parts = [
        "<Layer>",
        _titles("Title", layer.title_zh, layer.title_en),
        _titles("Abstract", layer.description_zh, layer.description_en),
        f"<ows:WGS84BoundingBox><ows:LowerCorner>{west!r} {south!r}</ows:LowerCorner>"
        f"<ows:UpperCorner>{east!r} {north!r}</ows:UpperCorner></ows:WGS84BoundingBox>",
        f"<ows:Identifier>{_e(layer.slug)}</ows:Identifier>",
        f'<Style isDefault="true"><ows:Title>Default</ows:Title><ows:Identifier>{DEFAULT_STYLE}</ows:Identifier>'
        "</Style>",
        *(f"<Format>{media}</Format>" for media in FORMATS.values()),
        *(f"<InfoFormat>{media}</InfoFormat>" for media in INFO_FORMATS),
    ]
    for grid in matrix_sets().values():
        if not grid_levels(layer, grid):
            continue
        parts.append(f"<TileMatrixSetLink><TileMatrixSet>{grid.id}</TileMatrixSet>"
                     f"<TileMatrixSetLimits>{_limits(layer, grid, bounds)}</TileMatrixSetLimits></TileMatrixSetLink>")
    for fmt, media in FORMATS.items():
        template = (f"{rest_base}/{layer.slug}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}"
                    f".{EXTENSIONS[fmt]}{query}")
        parts.append(f'<ResourceURL format="{media}" resourceType="tile" template={quoteattr(template)}/>')
    for media, ext in INFO_FORMATS.items():
        template = (f"{rest_base}/{layer.slug}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}"
                    f"/{{J}}/{{I}}.{ext}{query}")
        parts.append(f'<ResourceURL format="{media}" resourceType="FeatureInfo" template={quoteattr(template)}/>')
    parts.append("</Layer>")
    return "".join(parts)


def _matrix_set(grid: MatrixSet) -> str:
    parts = [f"<TileMatrixSet><ows:Title>{_e(grid.title)}</ows:Title><ows:Identifier>{grid.id}</ows:Identifier>"
             f"<ows:SupportedCRS>{grid.crs_urn}</ows:SupportedCRS>"]
    if grid.id == WEB_MERCATOR_QUAD:
        parts.append(f"<WellKnownScaleSet>{GOOGLE_MAPS_COMPATIBLE_URN}</WellKnownScaleSet>")
    for level in grid.levels:
        matrix = grid.matrix(level)
        first, second = matrix.pointOfOrigin  # in the CRS's axis order: latitude first for EPSG:4490
        parts.append(
            f"<TileMatrix><ows:Identifier>{level}</ows:Identifier>"
            f"<ScaleDenominator>{matrix.scaleDenominator!r}</ScaleDenominator>"
            f"<TopLeftCorner>{float(first)!r} {float(second)!r}</TopLeftCorner>"
            f"<TileWidth>{matrix.tileWidth}</TileWidth><TileHeight>{matrix.tileHeight}</TileHeight>"
            f"<MatrixWidth>{matrix.matrixWidth}</MatrixWidth><MatrixHeight>{matrix.matrixHeight}</MatrixHeight>"
            "</TileMatrix>"
        )
    parts.append("</TileMatrixSet>")
    return "".join(parts)


def _operation(name: str, kvp_url: str) -> str:
    return (f'<ows:Operation name="{name}"><ows:DCP><ows:HTTP><ows:Get xlink:href={quoteattr(kvp_url)}>'
            "<ows:Constraint name=\"GetEncoding\"><ows:AllowedValues><ows:Value>KVP</ows:Value>"
            "</ows:AllowedValues></ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation>")


def capabilities_document(*, layers: Iterable[Layer], service_url: str, token: str | None = None) -> bytes:
    """`service_url` is the absolute URL of /wmts; `token`, when the client put one in its URL, is
    carried into every URL of the document so that the client's next requests are the requester's too."""
    query = "?" + urlencode({"token": token}) if token else ""
    kvp_url = service_url + "?" + (urlencode({"token": token}) + "&" if token else "")
    rest_base = f"{service_url}/1.0.0"
    body = "".join([
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<Capabilities xmlns="{WMTS_NS}" xmlns:ows="{OWS_NS}" xmlns:xlink="{XLINK_NS}" version="1.0.0">',
        "<ows:ServiceIdentification>",
        _titles("Title", "城市时空信息公共服务平台 WMTS", "City geoportal WMTS"),
        "<ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>",
        "</ows:ServiceIdentification>",
        "<ows:OperationsMetadata>",
        _operation("GetCapabilities", kvp_url),
        _operation("GetTile", kvp_url),
        _operation("GetFeatureInfo", kvp_url),
        "</ows:OperationsMetadata>",
        "<Contents>",
        *(_layer(layer, rest_base, query) for layer in layers),
        *(_matrix_set(grid) for grid in matrix_sets().values()),
        "</Contents>",
        f'<ServiceMetadataURL xlink:href={quoteattr(rest_base + "/WMTSCapabilities.xml" + query)}/>',
        "</Capabilities>",
    ])
    return body.encode()
