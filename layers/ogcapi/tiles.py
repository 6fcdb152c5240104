"""OGC API - Tiles: tile matrix sets, a collection's tilesets, tileset metadata and tiles.

Vector collections offer their MVT tiles at /tiles (the same tiles as /tiles/{slug}/{z}/{x}/{y}.mvt)
in WebMercatorQuad; raster collections offer map tiles (PNG, JPEG, WebP) there in every matrix set
of layers/tiles/matrixsets.py. Every collection also offers map tiles at /map/tiles in every set:
the same images WMTS serves, vector layers drawn with their style. Visibility is layers.permissions' alone:
a collection the requester may not see has no tiles and answers as a missing one.
"""
from __future__ import annotations

from django.utils.http import parse_etags

from layers.models import Layer
from layers.ogcapi.core import _layer_or_404, _link, _self_links
from layers.ogcapi.protocol import JSON, ApiError, ApiRequest, ApiResponse, json_response
from layers.scope import feature_scope
from layers.tiles.cache import CachedTile
from layers.tiles.grid import Tile
from layers.tiles.matrixsets import (
    METERS_PER_DEGREE,
    TIANDITU_C,
    TIANDITU_W,
    WEB_MERCATOR_QUAD,
    GridError,
    MatrixSet,
    check_tile,
    matrix_set,
    matrix_sets,
    parse_level,
    tile_limits,
)
from layers.tiles.queries import MVT_MEDIA_TYPE
from layers.tiles.serving import tile_get
from layers.wmts.capabilities import grid_levels, layer_bounds
from layers.wmts.tiles import MEDIA_TYPES, grid_tile_get

REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
OGC_TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
OGC_PIXEL_METERS = 0.28e-3
_IMAGE_FORMATS = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp"}


def _matrix_set_or_404(req: ApiRequest, tms_id: str) -> MatrixSet:
    try:
        return matrix_set(tms_id)
    except GridError as exc:
        raise ApiError(404, str(exc), "NotFound") from exc


def _tms_uri(grid: MatrixSet) -> str | None:
    return OGC_TMS_URI if grid.id == WEB_MERCATOR_QUAD else None


def tile_matrix_sets(req: ApiRequest) -> ApiResponse:
    sets = []
    for grid in matrix_sets().values():
        entry = {"id": grid.id, "title": grid.title, "crs": _crs_uri(grid),
                 "links": [_link(req.url(f"/tileMatrixSets/{grid.id}"), "self", JSON, grid.title)]}
        if _tms_uri(grid):
            entry["uri"] = _tms_uri(grid)
        sets.append(entry)
    return json_response({"tileMatrixSets": sets, "links": _self_links(req)[:1]})


def _crs_uri(grid: MatrixSet) -> str:
    return f"http://www.opengis.net/def/crs/EPSG/0/{grid.epsg}"


def tms_document(grid: MatrixSet) -> dict:
    """The set as TMS 2.0 JSON, its matrices repeated in TMS 1.0's members for clients that read
    only those (GDAL 3.6's OGCAPI driver).

    The scale denominators here are OGC's (a 0.28 mm pixel), which TMS 2.0 ties to cellSize and
    from which clients compute the pixel size; Tianditu's 96-dpi figures stay in WMTS, where
    Tianditu's clients expect them (docs/wmts.md)."""
    meters_per_unit = METERS_PER_DEGREE if grid.epsg == 4490 else 1.0
    matrices, legacy = [], []
    for level in grid.levels:
        matrix = grid.matrix(level)
        shape = {"tileWidth": matrix.tileWidth, "tileHeight": matrix.tileHeight,
                 "matrixWidth": matrix.matrixWidth, "matrixHeight": matrix.matrixHeight}
        scale = matrix.cellSize * meters_per_unit / OGC_PIXEL_METERS
        origin = [float(v) for v in matrix.pointOfOrigin]  # the CRS's axis order: latitude first for 4490
        matrices.append({"id": str(level), "scaleDenominator": scale, "cellSize": matrix.cellSize,
                         "cornerOfOrigin": "topLeft", "pointOfOrigin": origin, **shape})
        legacy.append({"identifier": str(level), "scaleDenominator": scale, "topLeftCorner": origin, **shape})
    doc = {"id": grid.id, "title": grid.title, "crs": _crs_uri(grid),
           "orderedAxes": list(grid.tms.orderedAxes or []), "tileMatrices": matrices,
           "type": "TileMatrixSetType", "identifier": grid.id, "supportedCRS": _crs_uri(grid), "tileMatrix": legacy}
    if _tms_uri(grid):
        doc["uri"] = _tms_uri(grid)
        doc["wellKnownScaleSet"] = grid.well_known_scale_set
    return doc


def tile_matrix_set(req: ApiRequest, tms_id: str) -> ApiResponse:
    grid = _matrix_set_or_404(req, tms_id)
    doc = tms_document(grid)
    doc["links"] = [_link(req.url(), "self", JSON, grid.title)]
    return json_response(doc)


VECTOR, MAP = "vector", "map"


def _tiles_path(layer: Layer, data_type: str) -> str:
    """Where the tilesets of `data_type` are: /tiles holds the collection's own kind (MVT of vector
    layers, images of rasters), /map/tiles the images of any collection."""
    own = data_type == _data_type(layer)
    return f"/collections/{layer.slug}/{'tiles' if own else 'map/tiles'}"


def _grids_of(layer: Layer, data_type: str) -> list[MatrixSet]:
    """MVT tiles exist in WebMercatorQuad only; map tiles in every set, the lon/lat `c` first: a
    client that takes the first tileset (GDAL) then needs no reprojection of the extent."""
    if data_type == VECTOR:
        return [matrix_sets()[WEB_MERCATOR_QUAD]]
    order = (TIANDITU_C, TIANDITU_W, WEB_MERCATOR_QUAD)
    return [matrix_sets()[key] for key in order if grid_levels(layer, matrix_sets()[key])]


def _data_type(layer: Layer) -> str:
    return MAP if layer.is_raster else VECTOR


def _tile_template(req: ApiRequest, layer: Layer, grid: MatrixSet, data_type: str) -> dict:
    base = f"{_tiles_path(layer, data_type)}/{grid.id}"
    media = MEDIA_TYPES["png"] if data_type == MAP else MVT_MEDIA_TYPE
    link = _link(req.base_url + base + "/{tileMatrix}/{tileRow}/{tileCol}", "item", media, "Tiles")
    link["templated"] = True
    return link


def _tileset_summary(req: ApiRequest, layer: Layer, grid: MatrixSet, data_type: str) -> dict:
    base = f"{_tiles_path(layer, data_type)}/{grid.id}"
    summary = {
        "title": f"{layer.title_zh} ({grid.id})",
        "dataType": data_type,
        "crs": _crs_uri(grid),
        "links": [
            _link(req.url(base), "self", JSON, f"Tileset in {grid.id}"),
            _link(req.url(f"/tileMatrixSets/{grid.id}"), REL_TILING_SCHEME, JSON, grid.title),
        ],
    }
    # Ours have no OGC registry entry: their URI is their definition here.
    summary["tileMatrixSetURI"] = _tms_uri(grid) or req.url(f"/tileMatrixSets/{grid.id}")
    return summary


def tilesets(req: ApiRequest, collection_id: str, data_type: str | None = None) -> ApiResponse:
    """`data_type` None: the collection's own tiles (/tiles); MAP: its map tiles (/map/tiles)."""
    layer = _layer_or_404(req, collection_id, scoped=True)
    data_type = data_type or _data_type(layer)
    doc = {"tilesets": [_tileset_summary(req, layer, grid, data_type) for grid in _grids_of(layer, data_type)],
           "links": _self_links(req)[:1]}
    return json_response(doc)


def _grid_of_layer_or_404(req: ApiRequest, layer: Layer, tms_id: str, data_type: str) -> MatrixSet:
    grid = _matrix_set_or_404(req, tms_id)
    if grid not in _grids_of(layer, data_type):
        offered = ", ".join(g.id for g in _grids_of(layer, data_type))
        raise ApiError(404, f"Collection {layer.slug!r} has no tiles in {grid.id}; it has tiles in {offered}.",
                       "NotFound")
    return grid


def tileset(req: ApiRequest, collection_id: str, tms_id: str, data_type: str | None = None) -> ApiResponse:
    layer = _layer_or_404(req, collection_id, scoped=True)
    data_type = data_type or _data_type(layer)
    grid = _grid_of_layer_or_404(req, layer, tms_id, data_type)
    bounds = layer_bounds(layer)
    limits = tile_limits(grid, bounds, grid_levels(layer, grid))
    doc = _tileset_summary(req, layer, grid, data_type)
    doc["links"].append(_tile_template(req, layer, grid, data_type))
    doc["links"].append(_link(req.url(f"/collections/{layer.slug}"), "collection", JSON, layer.title_zh))
    doc["tileMatrixSetLimits"] = limits
    west, south, east, north = bounds
    doc["boundingBox"] = {"lowerLeft": [west, south], "upperRight": [east, north],
                          "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    doc["layers"] = [{"id": layer.slug, "dataType": data_type}]
    return json_response(doc)


def tile(req: ApiRequest, collection_id: str, tms_id: str, matrix: str, row: str, col: str,
         data_type: str | None = None) -> ApiResponse:
    layer = _layer_or_404(req, collection_id, scoped=True)  # a scoped share's tiles are drawn within it
    scope = feature_scope(principal=req.principal, layer=layer)
    data_type = data_type or _data_type(layer)
    grid = _grid_of_layer_or_404(req, layer, tms_id, data_type)
    try:
        level = parse_level(grid, matrix, locator="tileMatrix")
        row_, col_ = check_tile(grid, level, row, col)
    except GridError as exc:
        raise ApiError(404 if exc.code == "TileOutOfRange" or exc.locator == "tileMatrix" else 400, str(exc),
                       "NotFound" if exc.code == "TileOutOfRange" else "InvalidParameterValue") from exc
    if level not in grid_levels(layer, grid):
        levels = grid_levels(layer, grid)
        raise ApiError(404, f"This collection has tiles at levels {levels.start} to {levels.stop - 1} of {grid.id}, "
                       f"not at {level}.", "NotFound")
    headers = {"Cache-Control": ("public" if layer.visibility == Layer.Visibility.PUBLIC else "private")}
    if data_type == VECTOR:
        if req.params.get("f") not in (None, "mvt"):
            raise ApiError(400, "The tiles of a vector collection are Mapbox Vector Tiles: f=mvt.")
        entry, _ = tile_get(layer=layer, tile=Tile(level, col_, row_), fmt="mvt", scope=scope)
        return _tile_response(req, entry, MVT_MEDIA_TYPE, headers)
    fmt = _IMAGE_FORMATS.get(req.params.get("f") or "png")
    if fmt is None:
        raise ApiError(400, "f must be png, jpeg or webp for map tiles.")
    entry, _ = grid_tile_get(layer=layer, grid=grid, level=level, row=row_, col=col_, fmt=fmt, scope=scope)
    return _tile_response(req, entry, MEDIA_TYPES[fmt], headers)


def _tile_response(req: ApiRequest, entry: CachedTile, media_type: str, headers: dict[str, str]) -> ApiResponse:
    """200 with the tile, 204 for an empty vector tile, 304 when the client holds it already."""
    etag = f'"{entry.etag}"'
    headers["ETag"] = etag
    if etag in parse_etags(req.headers.get("if-none-match", "")):
        return ApiResponse(304, b"", media_type, headers)
    return ApiResponse(200 if entry.body else 204, entry.body, media_type, headers)
