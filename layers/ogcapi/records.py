"""OGC API - Records Part 1: the resource catalogue as the `catalogue` collection.

Items are the catalogue records (layers/catalogue), one GeoJSON record per layer, filtered by
bbox, q, datetime and the catalogue's facets (department, topic, keyword, type, updated), paged by
limit/offset. Who reads which record is layers.permissions.catalogue_layers_for's decision."""
from __future__ import annotations

from django.conf import settings

from layers.catalogue.documents import ogc_record
from layers.catalogue.params import QueryError, parse_query
from layers.catalogue.selectors import record_of, record_search
from layers.catalogue.services import records_complete
from layers.ogcapi.protocol import GEOJSON, JSON, ApiError, ApiRequest, ApiResponse, json_response

COLLECTION_ID = "catalogue"
PARAMETERS = {"f", "bbox", "q", "datetime", "limit", "offset", "department", "topic", "keyword", "type", "updated"}
DEFAULT_LIMIT = 10


def _site(req: ApiRequest) -> str:
    return req.base_url.rsplit("/ogc", 1)[0]


def collection_doc(req: ApiRequest) -> dict:
    base = f"/collections/{COLLECTION_ID}"
    return {
        "id": COLLECTION_ID,
        "itemType": "record",
        "type": "Catalog",
        "title": "政务地理信息资源目录 / Resource catalogue",
        "description": "One record per layer of the platform: metadata, data dictionary, services. "
                       "Records of internal layers are listed for signed-in staff only.",
        "links": [
            {"href": req.url(base, {"f": "json"}), "rel": "self", "type": JSON},
            {"href": req.url(f"{base}/items", {"f": "json"}), "rel": "items", "type": GEOJSON,
             "title": "Records"},
            {"href": f"{_site(req)}/csw?service=CSW&version=2.0.2&request=GetCapabilities",
             "rel": "alternate", "type": "application/xml", "title": "CSW 2.0.2"},
        ],
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]],
                               "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
    }


def collection(req: ApiRequest) -> ApiResponse:
    _json_only(req)
    return json_response(collection_doc(req))


def _json_only(req: ApiRequest) -> None:
    if req.params.get("f") not in (None, "", "json"):
        raise ApiError(400, "The catalogue collection answers f=json; its HTML pages are at /catalogue/.")


def _int(req: ApiRequest, name: str, default: int, low: int, high: int) -> int:
    raw = req.params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name} must be an integer from {low} to {high}.") from exc
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be an integer from {low} to {high}.")
    return value


def items(req: ApiRequest) -> ApiResponse:
    _json_only(req)
    unknown = set(req.params) - PARAMETERS
    if unknown:
        raise ApiError(400, f"Unknown query parameter(s): {', '.join(sorted(unknown))}. "
                            f"Known: {', '.join(sorted(PARAMETERS))}.")
    try:
        query = parse_query(req.params)
    except QueryError as exc:
        raise ApiError(400, str(exc)) from exc
    limit = _int(req, "limit", DEFAULT_LIMIT, 1, settings.CATALOGUE_MAX_RECORDS)
    offset = _int(req, "offset", 0, 0, 10**9)
    records_complete()
    results = record_search(user=req.principal, query=query)
    matched = results.count()
    page = list(results[offset: offset + limit])
    site = _site(req)
    base = {k: v for k, v in req.params.items() if k != "offset"}
    links = [{"href": req.url(params={**req.params, "f": "json"}), "rel": "self", "type": GEOJSON},
             {"href": req.url(f"/collections/{COLLECTION_ID}", {"f": "json"}), "rel": "collection", "type": JSON}]
    if offset + limit < matched:
        links.append({"href": req.url(params={**base, "offset": offset + limit}), "rel": "next", "type": GEOJSON})
    if offset > 0:
        links.append({"href": req.url(params={**base, "offset": max(0, offset - limit)}), "rel": "prev",
                      "type": GEOJSON})
    return json_response({
        "type": "FeatureCollection",
        "features": [ogc_record(record=r, base=site, language=req.language) for r in page],
        "numberMatched": matched,
        "numberReturned": len(page),
        "links": links,
    }, content_type=GEOJSON)


def item(req: ApiRequest, record_id: str) -> ApiResponse:
    _json_only(req)
    records_complete()
    record = record_of(user=req.principal, slug=record_id)
    if record is None:
        raise ApiError(404, f"There is no record {record_id!r} in the catalogue.", "NotFound")
    doc = ogc_record(record=record, base=_site(req), language=req.language)
    doc["links"] = [{"href": req.url(params={"f": "json"}), "rel": "self", "type": GEOJSON},
                    {"href": req.url(f"/collections/{COLLECTION_ID}", {"f": "json"}), "rel": "collection",
                     "type": JSON}, *doc["links"]]
    return json_response(doc, content_type=GEOJSON)
