"""OGC API - Features Part 4: create, replace, update and delete items.

Writes go through layers.services (channel "ogc"): the same validation, versioning and change
notification as editing in the browser. If-Match carries the base version (412 when stale).
"""
from __future__ import annotations

from layers.models import Feature, Layer
from layers.ogcapi import crs as crs_mod
from layers.ogcapi import query
from layers.ogcapi.etags import PreconditionError, etag_for, version_from_if_match
from layers.ogcapi.geojson import FeatureInputError, feature_from_geojson
from layers.ogcapi.params import feature_id_or_none
from layers.ogcapi.protocol import GEOJSON, ApiError, ApiRequest, ApiResponse
from layers.permissions import user_can, visible_layer_or_none
from layers.rasters.refusals import no_features_message
from layers.schema import PropertyValidationError, parse_schema
from layers.services import GeometryValidationError, VersionConflict, feature_create, feature_delete, feature_update

CHANNEL = "ogc"


def _writable_layer(req: ApiRequest, collection_id: str) -> Layer:
    layer = visible_layer_or_none(req.principal, collection_id)
    if layer is None:
        raise ApiError(404, f"There is no collection {collection_id!r}.", "NotFound")
    if layer.is_raster:
        raise ApiError(404, no_features_message(layer), "NotFound")
    if not getattr(req.principal, "is_authenticated", False):
        raise ApiError(401, "Send an API token (Authorization: Bearer …) or sign in to change features.",
                       "Unauthorized", {"WWW-Authenticate": 'Bearer realm="api"'})
    if not user_can(req.principal, "edit", layer):
        raise ApiError(403, "You may not change features of this collection.", "Forbidden")
    return layer


def _feature(layer: Layer, feature_id: str) -> Feature:
    pk = feature_id_or_none(feature_id)
    feature = Feature.objects.filter(layer=layer, pk=pk).first() if pk is not None else None
    if feature is None:
        raise ApiError(404, f"There is no feature {feature_id!r} in {layer.slug!r}.", "NotFound")
    feature.layer = layer
    return feature


def _content_crs(req: ApiRequest) -> crs_mod.CrsDef:
    try:
        return crs_mod.crs_by_uri(req.headers.get("content-crs"))
    except crs_mod.CrsError as exc:
        raise ApiError(400, f"Content-Crs: {exc}") from exc


def _user(req: ApiRequest):
    return req.principal if getattr(req.principal, "pk", None) else None


def _rejected(exc: Exception) -> ApiError:
    if isinstance(exc, VersionConflict):
        return ApiError(412, f"{exc} Fetch it again and resend with its ETag.", "PreconditionFailed",
                        {"ETag": etag_for(exc.feature.version)})
    if isinstance(exc, PreconditionError):
        return ApiError(412, str(exc), "PreconditionFailed")
    if isinstance(exc, GeometryValidationError):
        return ApiError(400, str(exc), "InvalidFeature", errors={"geometry": str(exc)})
    return ApiError(400, str(exc), "InvalidFeature", errors=getattr(exc, "errors", None))


_REJECTED = (VersionConflict, PreconditionError, GeometryValidationError, PropertyValidationError, FeatureInputError)


def _written(req: ApiRequest, layer: Layer, feature: Feature, status: int) -> ApiResponse:
    fields = [f.name for f in parse_schema(layer.schema)]
    text, version = query.feature_json(layer_id=layer.pk, feature_id=feature.pk, fields=fields)
    headers = {"ETag": etag_for(version), "Location": req.url(f"/collections/{layer.slug}/items/{feature.pk}")}
    return ApiResponse(status, text, GEOJSON, headers)


def create(req: ApiRequest, collection_id: str) -> ApiResponse:
    layer = _writable_layer(req, collection_id)
    try:
        geometry, properties = feature_from_geojson(req.body, crs=_content_crs(req))
        feature = feature_create(layer=layer, geometry=geometry, properties=properties, user=_user(req),
                                 channel=CHANNEL)
    except _REJECTED as exc:
        raise _rejected(exc) from exc
    return _written(req, layer, feature, 201)


def _change(req: ApiRequest, collection_id: str, feature_id: str, *, partial: bool) -> ApiResponse:
    layer = _writable_layer(req, collection_id)
    feature = _feature(layer, feature_id)
    try:
        base = version_from_if_match(req.headers.get("if-match"))
        geometry, properties = feature_from_geojson(req.body, crs=_content_crs(req), partial=partial)
        feature = feature_update(feature=feature, base_version=feature.version if base is None else base,
                                 geometry=geometry, properties=properties, partial=partial, user=_user(req),
                                 channel=CHANNEL)
    except _REJECTED as exc:
        raise _rejected(exc) from exc
    return _written(req, layer, feature, 200)


def replace(req: ApiRequest, collection_id: str, feature_id: str) -> ApiResponse:
    return _change(req, collection_id, feature_id, partial=False)


def update(req: ApiRequest, collection_id: str, feature_id: str) -> ApiResponse:
    return _change(req, collection_id, feature_id, partial=True)


def delete(req: ApiRequest, collection_id: str, feature_id: str) -> ApiResponse:
    layer = _writable_layer(req, collection_id)
    feature = _feature(layer, feature_id)
    try:
        feature_delete(feature=feature, base_version=version_from_if_match(req.headers.get("if-match")),
                       user=_user(req), channel=CHANNEL)
    except _REJECTED as exc:
        raise _rejected(exc) from exc
    return ApiResponse(204, "")
