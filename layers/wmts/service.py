"""WMTS 1.0.0 requests, KVP and RESTful, answered without a web framework: parameters in, WmtsResponse out.

Clients configured for a 天地图 layer work by changing only the URL and the layer name: KVP names
are case-insensitive, STYLE=default, TILEMATRIXSET=c|w, FORMAT=tiles (the layer's default image
format), TILEMATRIX as a bare level number, and `tk` is ignored."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from layers.maps.errors import MapRequestError
from layers.models import Layer
from layers.permissions import layers_for, visible_layer_or_none
from layers.scope import EVERYTHING, FeatureScope, drawing_scopes, reader_scope
from layers.tiles.matrixsets import GridError, MatrixSet, check_tile, matrix_set, parse_level
from layers.wmts.capabilities import DEFAULT_STYLE, FORMATS, capabilities_document, grid_levels
from layers.wmts.exceptions import OwsError
from layers.wmts.featureinfo import info_format, tile_feature_info
from layers.wmts.tiles import grid_tile_get

VERSION = "1.0.0"
XML = "application/xml"
TIANDITU_FORMAT = "tiles"
_BY_MEDIA = {media: fmt for fmt, media in FORMATS.items()}
EXTENSION_FORMATS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}


@dataclass
class WmtsResponse:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    layer: Layer | None = None  # the layer a tile belongs to (for its cache headers)


def error_response(error: OwsError) -> WmtsResponse:
    return WmtsResponse(error.status, error.document(), XML)


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name.lower(), "").strip()
    if not value:
        raise OwsError(f"The parameter {name} is missing.", code="MissingParameterValue", locator=name)
    return value


def kvp(*, params: Mapping[str, str], principal, service_url: str, token: str | None = None) -> WmtsResponse:
    """`params` with lower-case names. GetCapabilities, GetTile and GetFeatureInfo; anything else is not
    supported."""
    service = _required(params, "SERVICE")
    if service.upper() != "WMTS":
        raise OwsError(f"This endpoint is WMTS, not {service[:20]!r}.", locator="SERVICE")
    request = _required(params, "REQUEST")
    if request.lower() == "getcapabilities":
        accepted = params.get("acceptversions", "")
        if accepted and VERSION not in [v.strip() for v in accepted.split(",")]:
            raise OwsError(f"Only WMTS {VERSION} is served.", code="VersionNegotiationFailed",
                           locator="AcceptVersions")
        return capabilities(principal=principal, service_url=service_url, token=token)
    if request.lower() == "gettile":
        _check_version(params)
        return tile(principal=principal, layer=_required(params, "LAYER"), style=_required(params, "STYLE"),
                    matrix_set_id=_required(params, "TILEMATRIXSET"), matrix=_required(params, "TILEMATRIX"),
                    row=_required(params, "TILEROW"), col=_required(params, "TILECOL"),
                    media_type=_required(params, "FORMAT"))
    if request.lower() == "getfeatureinfo":
        _check_version(params)
        return feature_info(principal=principal, layer=_required(params, "LAYER"), style=_required(params, "STYLE"),
                            matrix_set_id=_required(params, "TILEMATRIXSET"), matrix=_required(params, "TILEMATRIX"),
                            row=_required(params, "TILEROW"), col=_required(params, "TILECOL"),
                            i=_required(params, "I"), j=_required(params, "J"),
                            media_type=_required(params, "INFOFORMAT"))
    raise OwsError(f"The operation {request[:40]!r} is not supported; this server answers GetCapabilities, "
                   "GetTile and GetFeatureInfo.", code="OperationNotSupported", locator="REQUEST")


def _check_version(params: Mapping[str, str]) -> None:
    version = params.get("version", VERSION).strip()
    if version != VERSION:
        raise OwsError(f"Only WMTS {VERSION} is served, not {version[:20]!r}.", locator="VERSION")


def capabilities(*, principal, service_url: str, token: str | None = None) -> WmtsResponse:
    layers = [layer for layer in layers_for(principal, "view", scoped=True).select_related("raster")
              .order_by("theme", "slug") if reader_scope(principal=principal, layer=layer) is not None]
    return WmtsResponse(200, capabilities_document(layers=layers, service_url=service_url, token=token), XML)


def default_format(layer: Layer) -> str:
    """Imagery without transparency is a photograph: JPEG; everything else keeps its alpha: PNG."""
    source = getattr(layer, "raster", None) if layer.is_raster else None
    if source is not None and source.kind == "imagery" and source.band_count == 3 and source.nodata is None:
        return "jpeg"
    return "png"


def _format(layer: Layer, media_type: str) -> str:
    if media_type.lower() == TIANDITU_FORMAT:
        return default_format(layer)
    fmt = _BY_MEDIA.get(media_type.lower())
    if fmt is None:
        raise OwsError(f"FORMAT {media_type[:40]!r} is not offered: use {', '.join(FORMATS.values())} or "
                       f"{TIANDITU_FORMAT}.", locator="FORMAT")
    return fmt


def visible_layer(*, principal, layer: str, style: str) -> tuple[Layer, FeatureScope]:
    """The layer a GetTile or GetFeatureInfo names, in its one style, and the requester's scope of
    it (layers/scope.py). A layer the requester may not see answers exactly as a layer that does
    not exist; so does a raster seen only through a scoped share (drawing it applies no scope)."""
    found = visible_layer_or_none(principal, layer, scoped=True)
    scopes = drawing_scopes(principal=principal, layers=[found]) if found is not None else None
    if found is None or scopes is None:
        raise OwsError(f"There is no layer {layer[:60]!r}.", locator="LAYER")
    if style.lower() != DEFAULT_STYLE:
        raise OwsError(f"The layer {found.slug!r} has one style, {DEFAULT_STYLE!r}, not {style[:40]!r}.",
                       locator="STYLE")
    return found, scopes.get(found.pk, EVERYTHING)


def tile_of(*, layer: Layer, matrix_set_id: str, matrix: str, row: str, col: str
            ) -> tuple[MatrixSet, int, int, int]:
    """The tile named, checked against its matrix set and the layer's levels: (grid, level, row, col)."""
    try:
        grid = matrix_set(matrix_set_id)
        level = parse_level(grid, matrix)
        row_, col_ = check_tile(grid, level, row, col)
    except GridError as exc:
        raise OwsError(str(exc), code=exc.code, locator=exc.locator) from exc
    levels = grid_levels(layer, grid)
    if level not in levels:
        raise OwsError(f"The layer {layer.slug!r} has tiles of {grid.id} from level {levels.start} to "
                       f"{levels.stop - 1}, not at level {level}." if levels else
                       f"The layer {layer.slug!r} has no tiles in {grid.id}.", code="TileOutOfRange",
                       locator="TileMatrix")
    return grid, level, row_, col_


def tile(*, principal, layer: str, style: str, matrix_set_id: str, matrix: str, row: str, col: str,
         media_type: str | None = None, extension: str | None = None) -> WmtsResponse:
    found, scope = visible_layer(principal=principal, layer=layer, style=style)
    if extension is not None:
        fmt = EXTENSION_FORMATS.get(extension.lower())
        if fmt is None:
            raise OwsError(f"Tiles end in .png, .jpg or .webp, not .{extension[:10]}.", locator="FORMAT")
    else:
        fmt = _format(found, media_type or "")
    grid, level, row_, col_ = tile_of(layer=found, matrix_set_id=matrix_set_id, matrix=matrix, row=row, col=col)
    try:
        entry, hit = grid_tile_get(layer=found, grid=grid, level=level, row=row_, col=col_, fmt=fmt, scope=scope)
    except MapRequestError as exc:
        raise OwsError(exc.message, code="NoApplicableCode") from exc
    return WmtsResponse(200, entry.body, FORMATS[fmt], {"ETag": f'"{entry.etag}"',
                                                        "X-Tile-Cache": "hit" if hit else "miss"}, found)


def feature_info(*, principal, layer: str, style: str, matrix_set_id: str, matrix: str, row: str, col: str,
                 i: str, j: str, media_type: str | None = None, extension: str | None = None) -> WmtsResponse:
    """GetFeatureInfo: the features under pixel (I, J) of a tile, in the InfoFormat asked for."""
    found, scope = visible_layer(principal=principal, layer=layer, style=style)
    media = info_format(media_type=media_type, extension=extension)
    grid, level, row_, col_ = tile_of(layer=found, matrix_set_id=matrix_set_id, matrix=matrix, row=row, col=col)
    content_type, body = tile_feature_info(layer=found, grid=grid, level=level, row=row_, col=col_, i=i, j=j,
                                           media_type=media, scope=scope)
    return WmtsResponse(200, body, content_type, layer=found)
