"""The feed over HTTP: `/ogc/collections/{id}/changes` and `/api/layers/{slug}/changes/`."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.api.serializers import ErrorSerializer
from layers.api.views import layer_for
from layers.changes.feed import DEFAULT_LIMIT, MAX_LIMIT, CursorError
from layers.changes.selectors import layer_changes, page_document, parse_limit, parse_since
from layers.ogcapi.protocol import ApiError, ApiRequest, ApiResponse, json_response
from layers.ogcapi.views import serve
from layers.permissions import visible_layer_or_none
from layers.rasters.refusals import no_features_message


def _read(principal, layer, params, url_for) -> dict:
    since = parse_since(params.get("since"))
    limit = parse_limit(params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    return page_document(layer_changes(principal=principal, layer=layer, since=since, limit=limit),
                         url_for=url_for, since=since)


def ogc_changes_handler(req: ApiRequest, collection_id: str) -> ApiResponse:
    if req.method not in ("GET", "HEAD"):
        raise ApiError(405, f"{req.method} is not allowed here.", "MethodNotAllowed")
    layer = visible_layer_or_none(req.principal, collection_id, scoped=True)  # the feed applies the scope
    if layer is None:
        raise ApiError(404, f"There is no collection {collection_id!r}.", "NotFound")
    if layer.is_raster:
        raise ApiError(404, no_features_message(layer), "NotFound")
    try:
        document = _read(req.principal, layer, req.params,
                         lambda cursor: req.url(params={**req.params, "since": cursor}))
    except (CursorError, ValueError) as exc:
        raise ApiError(400, str(exc)) from exc
    return json_response(document)


def ogc_changes(request: HttpRequest, collection_id: str) -> HttpResponse:
    return serve(ogc_changes_handler, request, collection_id, formats=(None, "json"))


def _change_fields() -> dict:
    return {
    "type": serializers.ChoiceField(choices=["insert", "update", "delete"]),
    "id": serializers.IntegerField(),
    "version": serializers.IntegerField(),
    "recorded_at": serializers.DateTimeField(),
    "feature": serializers.JSONField(required=False, help_text="The new state as a GeoJSON Feature (not for deletes)"),
    }


_PAGE = inline_serializer("ChangePage", {
    "changes": inline_serializer("Change", _change_fields(), many=True),
    "since": serializers.CharField(allow_null=True),
    "next": serializers.CharField(help_text="Cursor to pass as `since` for the changes after this page"),
    "more": serializers.BooleanField(help_text="More changes are ready after `next`"),
    "links": serializers.JSONField(),
})


class LayerChanges(APIView):
    @extend_schema(
        summary="A layer's inserts, updates and deletes after a cursor, in transaction order (docs/changes.md)",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.STR, description="A `next` cursor from an earlier page; "
                             "leave out to read from the start"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1..{MAX_LIMIT} (default {DEFAULT_LIMIT})"),
        ],
        responses={200: _PAGE, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, slug: str):
        layer = layer_for(request, slug, scoped=True)  # the feed applies the scope
        try:
            document = _read(request.user, layer, request.query_params, lambda cursor: request.build_absolute_uri(
                request.path + "?" + _query(request, since=cursor)))
        except (CursorError, ValueError) as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(document)


def _query(request, **changes) -> str:
    params = request.query_params.copy()
    for name, value in changes.items():
        params[name] = value
    return params.urlencode()
