"""The OpenAPI 3.0 definition at /ogc/api, describing the collections the requester can see."""
from __future__ import annotations

from layers.models import Layer
from layers.ogcapi import crs as crs_mod
from layers.ogcapi import html
from layers.ogcapi.core import DESCRIPTION, TITLE, _field_schema
from layers.ogcapi.params import DEFAULT_LIMIT, MAX_INT, MAX_LIMIT
from layers.ogcapi.protocol import HTML, OPENAPI, ApiRequest, ApiResponse, json_response
from layers.permissions import layers_for
from layers.schema import parse_schema
from layers.tiles.matrixsets import matrix_sets

_EXCEPTION = {"$ref": "#/components/schemas/exception"}
_ERRORS = {
    "400": {"description": "Bad request", "content": {"application/json": {"schema": _EXCEPTION}}},
    "404": {"description": "Not found", "content": {"application/json": {"schema": _EXCEPTION}}},
}


def _ok(content_type: str, schema: dict | None = None) -> dict:
    return {"description": "OK", "content": {content_type: {"schema": schema or {"type": "object"}},
                                             "text/html": {"schema": {"type": "string"}}}}


def _param(name: str, schema: dict, description: str = "", style: str | None = None) -> dict:
    p = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        p["description"] = description
    if style:
        p.update({"style": style, "explode": False})
    return p


_F = _param("f", {"type": "string", "enum": ["json", "html"]}, "Representation")
_CRS = _param("crs", {"type": "string", "enum": list(crs_mod.SUPPORTED)}, "Output CRS (Part 2)")


def _items_parameters(layer: Layer) -> list[dict]:
    fields = parse_schema(layer.schema)
    names = [f.name for f in fields]
    params = [
        _F, _CRS,
        _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        _param("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
               "west,south,east,north in bbox-crs", style="form"),
        _param("bbox-crs", {"type": "string", "enum": list(crs_mod.SUPPORTED)}),
        _param("after", {"type": "integer", "minimum": 0, "maximum": MAX_INT}, "Keyset cursor: ids after this"),
        _param("before", {"type": "integer", "minimum": 0, "maximum": MAX_INT}, "Keyset cursor: ids before this"),
        _param("filter", {"type": "string"}, "CQL2 filter (Part 3)"),
        _param("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"]}),
        _param("filter-crs", {"type": "string", "enum": list(crs_mod.SUPPORTED)}),
        _param("asof", {"type": "string", "format": "date-time"}, "The layer as it was at this ISO 8601 moment"),
    ]
    if names:
        params.append(_param("properties", {"type": "array", "items": {"type": "string", "enum": names}},
                             style="form"))
        params.append(_param("sortby", {"type": "string"}, "Fields, '-' prefix for descending"))
        params.append(_param("cursor", {"type": "string", "maxLength": 4096},
                             "Keyset position in a sorted result (from a next/prev link)"))
        params.append(_param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_INT},
                             "Features of a sorted result to skip"))
    for fdef in fields:
        schema = _field_schema(fdef, "en")
        schema.pop("title", None)
        params.append(_param(fdef.name, schema, f"Equality filter on {fdef.name}"))
    return params


_TMS_ID = {"name": "tileMatrixSetId", "in": "path", "required": True,
           "schema": {"type": "string", "enum": list(matrix_sets())}}
_TILE_PATH = [_TMS_ID, *({"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
                         for name in ("tileMatrix", "tileRow", "tileCol"))]
_MAP_PARAMETERS = [
    _param("bbox", {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
           "Lower and upper corner in bbox-crs (its axis order)", style="form"),
    _param("bbox-crs", {"type": "string", "enum": list(crs_mod.SUPPORTED)}),
    _param("crs", {"type": "string", "enum": list(crs_mod.SUPPORTED)}, "The map's CRS"),
    _param("width", {"type": "integer", "minimum": 1}),
    _param("height", {"type": "integer", "minimum": 1}),
    _param("transparent", {"type": "boolean"}),
    _param("f", {"type": "string", "enum": ["png", "jpeg"]}),
]


def _image(media: str) -> dict:
    return {"description": "OK", "content": {media: {"schema": {"type": "string", "format": "binary"}}}}


def _tileset_paths(layer: Layer, tiles: str, tag: list[str], *, images: bool) -> dict:
    """The tilesets list, a tileset and its tiles under `tiles` (a collection's /tiles or /map/tiles)."""
    media = "image/png" if images else "application/vnd.mapbox-vector-tile"
    formats = ["png", "jpeg", "webp"] if images else ["mvt"]
    kind = "map_" if images and not layer.is_raster else ""
    return {
        tiles: {"get": {"summary": "Map tilesets" if kind else "Tilesets",
                        "operationId": f"{kind}tilesets_{layer.slug}", "tags": tag,
                        "responses": {"200": _ok("application/json"), **_ERRORS}}},
        f"{tiles}/{{tileMatrixSetId}}": {
            "get": {"summary": "Map tileset" if kind else "Tileset", "operationId": f"{kind}tileset_{layer.slug}",
                    "tags": tag, "parameters": [_TMS_ID], "responses": {"200": _ok("application/json"), **_ERRORS}}},
        f"{tiles}/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}": {
            "get": {"summary": "A map tile" if kind else "A tile", "operationId": f"{kind}tile_{layer.slug}",
                    "tags": tag, "parameters": [*_TILE_PATH, _param("f", {"type": "string", "enum": formats})],
                    "responses": {"200": _image(media), "204": {"description": "An empty tile"}, **_ERRORS}}},
    }


def _tiles_paths(layer: Layer, base: str, tag: list[str]) -> dict:
    return {
        **_tileset_paths(layer, f"{base}/tiles", tag, images=layer.is_raster),
        **({} if layer.is_raster else _tileset_paths(layer, f"{base}/map/tiles", tag, images=True)),
        f"{base}/map": {"get": {"summary": f"{layer.title_zh} map", "operationId": f"map_{layer.slug}", "tags": tag,
                                "parameters": _MAP_PARAMETERS,
                                "responses": {"200": _image("image/png"), **_ERRORS}}},
    }


def _collection_paths(layer: Layer) -> dict:
    base = f"/collections/{layer.slug}"
    tag = [layer.slug]
    return {
        **_tiles_paths(layer, base, tag),
        base: {"get": {"summary": f"{layer.title_zh} metadata", "operationId": f"describe_{layer.slug}",
                       "tags": tag, "parameters": [_F],
                       "responses": {"200": _ok("application/json"), **_ERRORS}}},
        # The change feed (layers/changes, docs/changes.md).
        f"{base}/changes": {"get": {
            "summary": f"{layer.title_zh} changes after a cursor", "operationId": f"changes_{layer.slug}",
            "tags": tag, "parameters": [
                _param("since", {"type": "string"}, "A `next` cursor of an earlier page; leave out for the start"),
                _param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                          **_ERRORS}}},
        f"{base}/queryables": {"get": {"summary": "Queryables", "operationId": f"queryables_{layer.slug}",
                                       "tags": tag, "parameters": [_F],
                                       "responses": {"200": _ok("application/schema+json"), **_ERRORS}}},
        f"{base}/items": {
            "get": {"summary": f"{layer.title_zh} features", "operationId": f"items_{layer.slug}", "tags": tag,
                    "parameters": _items_parameters(layer),
                    "responses": {"200": _ok("application/geo+json"), **_ERRORS}},
            "post": {"summary": "Create a feature (Part 4)", "operationId": f"create_{layer.slug}", "tags": tag,
                     "requestBody": {"required": True, "content": {"application/geo+json": {
                         "schema": {"$ref": "#/components/schemas/feature"}}}},
                     "security": [{"token": []}, {}],
                     "responses": {"201": {"description": "Created"}, "401": {"description": "No credentials"},
                                   "403": {"description": "Not allowed"}, **_ERRORS}},
        },
        f"{base}/items/{{featureId}}": {
            "parameters": [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"summary": "One feature", "operationId": f"item_{layer.slug}", "tags": tag,
                    "parameters": [_F, _CRS], "responses": {"200": _ok("application/geo+json"), **_ERRORS}},
            **{method: {"summary": f"{method.upper()} a feature (Part 4)", "operationId": f"{method}_{layer.slug}",
                        "tags": tag, "security": [{"token": []}, {}],
                        **({} if method == "delete" else {"requestBody": {"required": True, "content": {
                            "application/geo+json": {"schema": {"$ref": "#/components/schemas/feature"}}}}}),
                        "parameters": [{"name": "If-Match", "in": "header", "required": False,
                                        "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "Done"}, "204": {"description": "Done"},
                                      "401": {"description": "No credentials"},
                                      "403": {"description": "Not allowed"},
                                      "412": {"description": "Stale If-Match"}, **_ERRORS}}
               for method in ("put", "patch", "delete")},
        },
    }


def document(req: ApiRequest) -> dict:
    paths: dict = {
        "/": {"get": {"summary": "Landing page", "operationId": "landing", "parameters": [_F],
                      "responses": {"200": _ok("application/json")}}},
        "/conformance": {"get": {"summary": "Conformance classes", "operationId": "conformance",
                                 "parameters": [_F], "responses": {"200": _ok("application/json")}}},
        "/api": {"get": {"summary": "This definition", "operationId": "api", "parameters": [_F],
                         "responses": {"200": _ok("application/vnd.oai.openapi+json;version=3.0")}}},
        "/collections": {"get": {"summary": "Collections", "operationId": "collections", "parameters": [_F],
                                 "responses": {"200": _ok("application/json")}}},
        "/tileMatrixSets": {"get": {"summary": "Tile matrix sets", "operationId": "tile_matrix_sets",
                                    "responses": {"200": _ok("application/json")}}},
        "/tileMatrixSets/{tileMatrixSetId}": {"get": {
            "summary": "A tile matrix set", "operationId": "tile_matrix_set", "parameters": [_TMS_ID],
            "responses": {"200": _ok("application/json"), **_ERRORS}}},
        "/map": {"get": {"summary": "A map of several collections", "operationId": "map",
                         "parameters": [_param("collections", {"type": "array", "items": {"type": "string"}},
                                               "Collection ids, bottom first", style="form"), *_MAP_PARAMETERS],
                         "responses": {"200": _image("image/png"), **_ERRORS}}},
    }
    for layer in layers_for(req.principal, "view").order_by("slug"):
        paths.update(_collection_paths(layer))
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "description": DESCRIPTION, "version": "1.0.0"},
        "servers": [{"url": req.base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "exception": {"type": "object", "required": ["code"],
                              "properties": {"code": {"type": "string"}, "description": {"type": "string"}}},
                "feature": {"type": "object", "required": ["type", "geometry", "properties"],
                            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                                           "geometry": {"type": "object"}, "properties": {"type": "object"}}},
            },
        },
    }


def api(req: ApiRequest) -> ApiResponse:
    if req.wants_html():
        return ApiResponse(200, html.render("api", {"title": TITLE}, req), HTML)
    return json_response(document(req), content_type=OPENAPI)
