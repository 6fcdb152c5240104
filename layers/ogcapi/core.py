"""OGC API - Features read handlers: ApiRequest in, ApiResponse out (Parts 1, 2 and 3).

Visibility is decided by layers.permissions alone: a collection the requester may not see is
neither listed nor found.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from layers.history.selectors import features_asof, parse_asof
from layers.models import Layer
from layers.ogcapi import conformance, html, params, query, records
from layers.ogcapi import crs as crs_mod
from layers.ogcapi.etags import etag_for
from layers.ogcapi.filtering import parse_filter
from layers.ogcapi.protocol import (
    GEOJSON,
    HTML,
    JSON,
    OPENAPI,
    SCHEMA_JSON,
    ApiError,
    ApiRequest,
    ApiResponse,
    json_response,
)
from layers.ogcapi.streaming import PageInfo, stream_collection
from layers.permissions import layers_for, visible_layer_or_none
from layers.rasters.refusals import no_features_message
from layers.schema import FieldDef, parse_schema
from layers.scope import EVERYTHING, FeatureScope, feature_scope, reader_scope

TITLE = "Geoportal OGC API - Features"
DESCRIPTION = (
    "Layers of the city spatial public service platform. numberMatched is exact for unfiltered "
    f"requests and for layers of up to {query.EXACT_COUNT_LIMIT:,} features; for filtered requests on larger "
    "layers it is the database planner's estimate. Pages are linked by keyset cursors (after/before)."
)


def _link(href: str, rel: str, type_: str, title: str = "") -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _self_links(req: ApiRequest, json_type: str = JSON) -> list[dict]:
    json_params = {**req.params, "f": "json"}
    html_params = {**req.params, "f": "html"}
    own, other = (html_params, json_params) if req.wants_html() else (json_params, html_params)
    own_type, other_type = (HTML, json_type) if req.wants_html() else (json_type, HTML)
    return [_link(req.url(params=own), "self", own_type), _link(req.url(params=other), "alternate", other_type)]


def _render(req: ApiRequest, template: str, document: dict, *, json_type: str = JSON) -> ApiResponse:
    if req.wants_html():
        return ApiResponse(200, html.render(template, document, req), HTML)
    return json_response(document, content_type=json_type)


def _layer_or_404(req: ApiRequest, collection_id: str, *, scoped: bool = False) -> Layer:
    """The collection if visible; `scoped` callers apply a scoped grant (layers/scope.py). A raster
    seen only through a scoped share is absent: drawing a raster applies no scope."""
    layer = visible_layer_or_none(req.principal, collection_id, scoped=scoped)
    if layer is None or (scoped and reader_scope(principal=req.principal, layer=layer) is None):
        raise ApiError(404, f"There is no collection {collection_id!r}.", "NotFound")
    return layer


def _feature_layer_or_404(req: ApiRequest, collection_id: str, *, scoped: bool = False) -> Layer:
    """A collection with features: a raster collection has no items nor queryables."""
    layer = _layer_or_404(req, collection_id, scoped=scoped)
    if layer.is_raster:
        raise ApiError(404, no_features_message(layer), "NotFound")
    return layer


def landing(req: ApiRequest) -> ApiResponse:
    doc = {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            *_self_links(req),
            _link(req.url("/api", {"f": "json"}), "service-desc", OPENAPI, "The API definition"),
            _link(req.url("/api", {"f": "html"}), "service-doc", HTML, "The API documentation"),
            _link(req.url("/conformance"), "conformance", JSON, "Conformance classes"),
            _link(req.url("/collections"), "data", JSON, "Collections"),
            _link(req.url("/tileMatrixSets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON,
                  "Tile matrix sets"),
            _link(req.url("/map"), "http://www.opengis.net/def/rel/ogc/1.0/map", "image/png",
                  "A map of the collections named by ?collections="),
        ],
    }
    return _render(req, "landing", doc)


def conformance_page(req: ApiRequest) -> ApiResponse:
    return _render(req, "conformance", {"conformsTo": conformance.ALL, "links": _self_links(req)})


def collection_doc(req: ApiRequest, layer: Layer) -> dict:
    base = f"/collections/{layer.slug}"
    extent = list(layer.extent.extent) if layer.extent else None
    english = req.language.startswith("en")
    title = layer.title_en if english and layer.title_en else layer.title_zh
    description = layer.description_en if english and layer.description_en else layer.description_zh
    doc = {
        "id": layer.slug,
        "title": title,
        "description": description,
        "itemType": "feature",
        "links": [
            _link(req.url(base, {"f": "json"}), "self", JSON, title),
            _link(req.url(base, {"f": "html"}), "alternate", HTML, title),
            *([] if layer.is_raster else [
                _link(req.url(f"{base}/items", {"f": "json"}), "items", GEOJSON, "Features as GeoJSON"),
                _link(req.url(f"{base}/items", {"f": "html"}), "items", HTML, "Features as HTML"),
                _link(req.url(f"{base}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                      SCHEMA_JSON, "Queryables")]),
            _link(req.url(f"{base}/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-"
                  + ("map" if layer.is_raster else "vector"), JSON, "Tilesets"),
            _link(req.url(f"{base}/map"), "http://www.opengis.net/def/rel/ogc/1.0/map", "image/png", "Map"),
            *([] if layer.is_raster else [
                _link(req.url(f"{base}/map/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map", JSON,
                      "Map tilesets")]),
        ],
        "crs": list(crs_mod.SUPPORTED),
        "storageCrs": crs_mod.CRS84,
    }
    if extent:
        doc["extent"] = {"spatial": {"bbox": [extent], "crs": crs_mod.CRS84}}
    if layer.licence:
        doc["license"] = layer.licence
    if layer.attribution:
        doc["attribution"] = layer.attribution
    return doc


def collections(req: ApiRequest) -> ApiResponse:
    layers = layers_for(req.principal, "view", scoped=True).order_by("theme", "slug")
    doc = {
        "links": _self_links(req),
        "collections": [*(collection_doc(req, layer) for layer in layers
                          if reader_scope(principal=req.principal, layer=layer) is not None),
                        records.collection_doc(req)],
        "crs": list(crs_mod.SUPPORTED),
    }
    return _render(req, "collections", doc)


def collection(req: ApiRequest, collection_id: str) -> ApiResponse:
    return _render(req, "collection", collection_doc(req, _layer_or_404(req, collection_id, scoped=True)))


def queryables_doc(req: ApiRequest, layer: Layer, scope: FeatureScope = EVERYTHING) -> dict:
    properties: dict[str, dict] = {
        "id": {"title": "Feature id", "type": "integer"},
        "geometry": {"title": "Geometry", "format": f"geometry-{_geometry_format(layer)}",
                     "$ref": "https://geojson.org/schema/Geometry.json"},
    }
    for fdef in scope.schema(parse_schema(layer.schema)):
        properties[fdef.name] = _field_schema(fdef, req.language)
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": req.url(f"/collections/{layer.slug}/queryables"),
        "type": "object",
        "title": layer.title,
        "properties": properties,
        "additionalProperties": False,
    }


def _geometry_format(layer: Layer) -> str:
    return {"point": "point-or-multipoint", "line": "linestring-or-multilinestring",
            "polygon": "polygon-or-multipolygon"}.get(layer.geometry_type, "any")


def _field_schema(fdef: FieldDef, language: str) -> dict:
    schema: dict = {"title": fdef.label(language)}
    schema["type"] = {"integer": "integer", "decimal": "number", "boolean": "boolean"}.get(fdef.type, "string")
    if fdef.type == "date":
        schema["format"] = "date"
    if fdef.type == "choice":
        schema["enum"] = list(fdef.choices)
    return schema


def queryables(req: ApiRequest, collection_id: str) -> ApiResponse:
    layer = _feature_layer_or_404(req, collection_id, scoped=True)
    scope = feature_scope(principal=req.principal, layer=layer)
    return _render(req, "queryables", queryables_doc(req, layer, scope), json_type=SCHEMA_JSON)


def build_items_query(req: ApiRequest, layer: Layer, scope: FeatureScope = EVERYTHING) -> query.ItemsQuery:
    """Every items parameter checked and turned into one ItemsQuery (400 on the first bad one);
    a scoped viewer's query reads, filters and sorts on the scope's fields, within its area."""
    fields = scope.schema(parse_schema(layer.schema))
    p = req.params
    where = params.parse_attribute_filters(p, fields)
    area = query.scope_area(scope)
    if area is not None:
        where.insert(0, area)
    bbox = params.parse_bbox(p)
    if bbox is not None:
        where.insert(0, bbox)
    cql = parse_filter(p, fields)
    if cql is not None:
        where.append(cql)
    sort = params.parse_sortby(p, fields)
    after, before = params.parse_int(p, "after"), params.parse_int(p, "before")
    offset = params.parse_int(p, "offset") or 0
    cursor = params.parse_cursor(p, sort)
    if after is not None and before is not None:
        raise params.bad("Give either after or before, not both.")
    if sort and (after is not None or before is not None):
        raise params.bad("With sortby, pages are addressed by cursor (from the next/prev links), not after/before.")
    if not sort and (offset or cursor):
        raise params.bad("offset and cursor page a sorted result (sortby); the natural order pages by after/before.")
    if cursor and offset:
        raise params.bad("Give either cursor or offset, not both.")
    return query.ItemsQuery(
        layer_id=layer.pk, fields=params.parse_properties(p, fields), crs=params.parse_crs(p.get("crs")),
        limit=params.parse_limit(p), where=where, after=after, before=before, sort=sort, cursor=cursor,
        offset=offset, source=_source(layer, p.get("asof")),
    )


def _source(layer: Layer, raw_asof: str | None) -> query.Fragment:
    """The live features, or with `asof` the layer as it was at that moment (layers.history)."""
    if not raw_asof:
        return query.LIVE_FEATURES
    try:
        moment = parse_asof(raw_asof)
    except ValueError as exc:
        raise params.bad(str(exc)) from exc
    return features_asof(layer_id=layer.pk, asof=moment, name_field=layer.name_field)


def items(req: ApiRequest, collection_id: str) -> ApiResponse:
    layer = _feature_layer_or_404(req, collection_id, scoped=True)
    scope = feature_scope(principal=req.principal, layer=layer)
    q = build_items_query(req, layer, scope)
    matched, exact = query.count_matched(q, cached_total=layer.feature_count)
    headers = {"Content-Crs": f"<{q.crs.uri}>"}
    if req.wants_html():
        text = b"".join(_stream_items(req, layer, q, matched, exact)).decode()
        return ApiResponse(200, html.render("items", {**json.loads(text), "collection": collection_doc(req, layer)},
                                            req), HTML, headers)
    return ApiResponse(200, _stream_items(req, layer, q, matched, exact), GEOJSON, headers)


def _stream_items(req: ApiRequest, layer: Layer, q: query.ItemsQuery, matched: int, exact: bool
                  ) -> Iterator[bytes]:
    def tail(page: PageInfo) -> dict:
        members = {
            "numberReturned": page.returned,
            "numberMatched": matched,
            "timeStamp": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "links": _items_links(req, layer, q, page),
        }
        if not exact:
            members["numberMatchedIsEstimate"] = True
        return members

    return stream_collection(q, tail)


def _items_links(req: ApiRequest, layer: Layer, q: query.ItemsQuery, page: PageInfo) -> list[dict]:
    base = {k: v for k, v in req.params.items() if k not in PAGE_PARAMS and k != "f"}
    own_type = GEOJSON
    links = [
        _link(req.url(params={**base, **_page_params(req), "f": "json"}), "self", own_type),
        _link(req.url(params={**base, **_page_params(req), "f": "html"}), "alternate", HTML),
        _link(req.url(f"/collections/{layer.slug}", {"f": "json"}), "collection", JSON),
    ]
    if q.sort:  # keyset cursors over the sort keys, as cheap deep in the result as on its first page
        if page.returned and page.more_after and page.last_id is not None:
            cursor = params.encode_cursor(query.SortCursor("after", page.last_keys, page.last_id))
            links.append(_link(req.url(params={**base, "cursor": cursor, "f": "json"}), "next", own_type))
        if page.returned and page.more_before and page.first_id is not None:
            cursor = params.encode_cursor(query.SortCursor("before", page.first_keys, page.first_id))
            links.append(_link(req.url(params={**base, "cursor": cursor, "f": "json"}), "prev", own_type))
        return links
    if page.more_after and page.last_id is not None:
        links.append(_link(req.url(params={**base, "after": page.last_id, "f": "json"}), "next", own_type))
    if page.more_before and page.first_id is not None:
        links.append(_link(req.url(params={**base, "before": page.first_id, "f": "json"}), "prev", own_type))
    return links


PAGE_PARAMS = ("after", "before", "offset", "cursor")


def _page_params(req: ApiRequest) -> dict:
    return {k: req.params[k] for k in PAGE_PARAMS if req.params.get(k)}


def item(req: ApiRequest, collection_id: str, feature_id: str) -> ApiResponse:
    layer = _feature_layer_or_404(req, collection_id, scoped=True)
    scope = feature_scope(principal=req.principal, layer=layer)
    pk = params.feature_id_or_none(feature_id)
    if pk is None:
        raise ApiError(404, f"There is no feature {feature_id!r} in {collection_id!r}.", "NotFound")
    unknown = set(req.params) - {"f", "crs", "properties", "asof"}
    if unknown:
        raise params.bad(f"Unknown query parameter(s): {', '.join(sorted(unknown))}.")
    fields = scope.schema(parse_schema(layer.schema))
    target_crs = params.parse_crs(req.params.get("crs"))
    found = query.feature_json(layer_id=layer.pk, feature_id=pk,
                               fields=params.parse_properties(req.params, fields), crs=target_crs,
                               source=_source(layer, req.params.get("asof")), where=query.scope_area(scope))
    if found is None:
        raise ApiError(404, f"There is no feature {feature_id} in {collection_id!r}.", "NotFound")
    text, version = found
    doc = json.loads(text)
    doc["links"] = [
        *_self_links(req, GEOJSON),
        _link(req.url(f"/collections/{layer.slug}", {"f": "json"}), "collection", JSON),
    ]
    # A scoped representation has its own weak tag: it is not a base version a write may name.
    tag = etag_for(version) if scope.everything else f'W/"v{version}-{scope.key}"'
    headers = {"Content-Crs": f"<{target_crs.uri}>", "ETag": tag}
    if req.wants_html():
        return ApiResponse(200, html.render("item", {**doc, "collection": collection_doc(req, layer)}, req),
                           HTML, headers)
    return json_response(doc, content_type=GEOJSON, headers=headers)
