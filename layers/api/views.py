"""The REST API: layers and their features. Reads are PostGIS-serialised GeoJSON (the map uses
the features list); writes go through layers.services with channel "rest"."""
from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.api import features as feature_reads
from layers.api.renderers import GeoJSONRenderer
from layers.api.serializers import (
    ErrorSerializer,
    FeatureInputSerializer,
    FeatureSerializer,
    LayerListSerializer,
    LayerSerializer,
)
from layers.models import Feature, Layer
from layers.ogcapi.etags import PreconditionError, etag_for, version_from_if_match
from layers.ogcapi.geojson import FeatureInputError, feature_from_geojson
from layers.ogcapi.protocol import ApiError
from layers.permissions import user_can, visible_layer_or_none
from layers.rasters.refusals import no_features_message
from layers.schema import PropertyValidationError
from layers.scope import EVERYTHING, FeatureScope, feature_scope, reader_scope
from layers.selectors import layer_list_visible, layer_summary
from layers.services import GeometryValidationError, VersionConflict, feature_create, feature_delete, feature_update

CHANNEL = "rest"
_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def layer_for(request, slug: str, action: str = "view", *, features: bool = True,
              scoped: bool = False) -> Layer:
    """The layer if the requester may `action` it: 404 if unseen, 401 if anonymous, 403 otherwise;
    for the feature endpoints (`features`) a raster layer is 404 too, saying where its pixels are.
    `scoped` callers apply a scoped grant's fields and area (layers/permissions.py); a write asks
    as they do, so a viewer through a scoped share hears 403 (reading only), not 404."""
    layer = visible_layer_or_none(request.user, slug, scoped=scoped or action != "view")
    if layer is None:
        raise NotFound("No such layer.")
    if features and layer.is_raster:
        raise NotFound(no_features_message(layer))
    if action != "view":
        if not request.user.is_authenticated:
            raise NotAuthenticated("Sign in or send an API token to change features.")
        if not user_can(request.user, action, layer):
            raise PermissionDenied("You may not change features of this layer.")
    return layer


def write_error(exc: Exception) -> Response:
    """A rejected write as 400 (with per-field errors) or 412 (stale version)."""
    if isinstance(exc, VersionConflict):
        return Response({"detail": str(exc), "version": exc.feature.version}, status=412,
                        headers={"ETag": etag_for(exc.feature.version)})
    if isinstance(exc, PreconditionError):
        return Response({"detail": str(exc)}, status=status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, GeometryValidationError):
        return Response({"detail": str(exc), "errors": {"geometry": str(exc)}}, status=400)
    errors = getattr(exc, "errors", {"__all__": str(exc)})
    return Response({"detail": str(exc), "errors": errors}, status=400)


WRITE_ERRORS = (VersionConflict, PreconditionError, GeometryValidationError, PropertyValidationError,
                FeatureInputError)


class LayerList(APIView):
    @extend_schema(responses=LayerListSerializer, summary="Layers the requester may see", operation_id="layers_list")
    def get(self, request):
        return Response({"layers": layer_list_visible(request.user, get_language() or "zh")})


class LayerDetail(APIView):
    @extend_schema(responses={200: LayerSerializer, 404: ErrorSerializer}, summary="A layer's metadata")
    def get(self, request, slug: str):
        layer = layer_for(request, slug, features=False, scoped=True)
        scope = reader_scope(principal=request.user, layer=layer)
        if scope is None:
            raise NotFound("No such layer.")
        return Response(layer_summary(layer, get_language() or "zh", scope))


class FeatureList(APIView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    @extend_schema(
        summary="A layer's features as a GeoJSON FeatureCollection (keyset pages: follow `next`)",
        parameters=[
            OpenApiParameter("bbox", OpenApiTypes.STR, description="west,south,east,north in degrees"),
            OpenApiParameter("near", OpenApiTypes.STR, description="lon,lat; with distance"),
            OpenApiParameter("distance", OpenApiTypes.FLOAT, description="metres from near"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1..{feature_reads.MAX_FEATURES}"),
            OpenApiParameter("after", OpenApiTypes.INT, description="keyset cursor: ids after this"),
            OpenApiParameter("asof", OpenApiTypes.STR, description="ISO 8601 moment: the layer as it was then"),
        ],
        responses={200: FeatureSerializer(many=True), **_ERRORS},
    )
    def get(self, request, slug: str):
        layer = layer_for(request, slug, scoped=True)
        try:
            scope = feature_scope(principal=request.user, layer=layer)
            q = feature_reads.list_query(layer, request.query_params, scope)
        except ApiError as exc:
            # "error" is the map's contract for a refused list; "detail" DRF's.
            return Response({"detail": exc.description, "error": exc.description}, status=exc.status)
        body = feature_reads.stream_list(q, next_url=lambda after: feature_reads.next_url(request, after))
        return StreamingHttpResponse(body, content_type="application/geo+json")

    @extend_schema(summary="Create a feature", request=FeatureInputSerializer,
                   responses={201: FeatureSerializer, **_ERRORS})
    def post(self, request, slug: str):
        layer = layer_for(request, slug, "edit")
        try:
            geometry, properties = feature_from_geojson(request.data)
            feature = feature_create(layer=layer, geometry=geometry, properties=properties, user=_user(request),
                                     channel=CHANNEL)
        except WRITE_ERRORS as exc:
            return write_error(exc)
        return _feature_response(feature, status.HTTP_201_CREATED)


class FeatureDetail(APIView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    def _feature(self, request, slug: str, feature_id: int, action: str = "view") -> Feature:
        layer = layer_for(request, slug, action)
        feature = Feature.objects.filter(layer=layer, pk=feature_id).select_related("layer").first()
        if feature is None:
            raise NotFound("No such feature in this layer.")
        return feature

    @extend_schema(summary="One feature", responses={200: FeatureSerializer, **_ERRORS})
    def get(self, request, slug: str, feature_id: int):
        layer = layer_for(request, slug, scoped=True)
        scope = feature_scope(principal=request.user, layer=layer)
        feature = scope.features(Feature.objects.filter(layer=layer, pk=feature_id)).select_related("layer").first()
        if feature is None:
            raise NotFound("No such feature in this layer.")
        return _feature_response(feature, scope=scope)

    @extend_schema(summary="Replace a feature (If-Match: its ETag)", request=FeatureInputSerializer,
                   responses={200: FeatureSerializer, 412: ErrorSerializer, **_ERRORS})
    def put(self, request, slug: str, feature_id: int):
        return self._update(request, slug, feature_id, partial=False)

    @extend_schema(summary="Change some properties or the geometry (If-Match: its ETag)",
                   request=FeatureInputSerializer, responses={200: FeatureSerializer, 412: ErrorSerializer, **_ERRORS})
    def patch(self, request, slug: str, feature_id: int):
        return self._update(request, slug, feature_id, partial=True)

    def _update(self, request, slug: str, feature_id: int, *, partial: bool):
        feature = self._feature(request, slug, feature_id, "edit")
        try:
            base = version_from_if_match(request.headers.get("If-Match"))
            geometry, properties = feature_from_geojson(request.data, partial=partial)
            feature = feature_update(feature=feature, base_version=feature.version if base is None else base,
                                     geometry=geometry, properties=properties, partial=partial,
                                     user=_user(request), channel=CHANNEL)
        except WRITE_ERRORS as exc:
            return write_error(exc)
        return _feature_response(feature)

    @extend_schema(summary="Delete a feature (If-Match: its ETag)", responses={204: None, 412: ErrorSerializer,
                                                                              **_ERRORS})
    def delete(self, request, slug: str, feature_id: int):
        feature = self._feature(request, slug, feature_id, "edit")
        try:
            base = version_from_if_match(request.headers.get("If-Match"))
            feature_delete(feature=feature, base_version=base, user=_user(request), channel=CHANNEL)
        except WRITE_ERRORS as exc:
            return write_error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _user(request):
    """The person behind a write (None for a token: the system is not a user account)."""
    return request.user if getattr(request.user, "pk", None) else None


def _feature_response(feature: Feature, code: int = 200, *, scope: FeatureScope = EVERYTHING) -> Response:
    """A feature and its ETag; a scoped viewer's (layers/scope.py) has its own weak tag, which is no
    base version a write may name."""
    tag = etag_for(feature.version) if scope.everything else f'W/"v{feature.version}-{scope.key}"'
    return Response(FeatureSerializer(feature, context={"scope": scope}).data, status=code, headers={"ETag": tag})
