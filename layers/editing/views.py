"""Feature editing endpoints: thin views over layers.services and the history module.

Every write carries its base version; a stale one answers 412 with the current feature."""
from __future__ import annotations

import functools

from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from geoportal.accounts.models import User
from layers.editing.http import (
    BadRequest,
    base_version,
    error_response,
    etag,
    geometry_from,
    json_body,
    layer_for,
)
from layers.editing.selectors import feature_geojson, geometry_repair_preview
from layers.editing.split import feature_split
from layers.history.restore import feature_restore_version
from layers.history.selectors import feature_versions, layer_changes
from layers.models import Feature
from layers.permissions import can_create_layers, layers_for
from layers.schema import PropertyValidationError
from layers.services import (
    GeometryValidationError,
    InvalidGeometryError,
    VersionConflict,
    feature_create,
    feature_delete,
    feature_undelete,
    feature_update,
)


def editing_endpoint(view):
    """Signed-in users only; client mistakes become JSON 4xx answers with per-field errors."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return error_response({"__all__": "Sign in to edit."}, status=401)
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return error_response(exc.errors, status=exc.status)
        except Http404 as exc:
            return error_response({"__all__": str(exc) or "Not found."}, status=404)
        except PropertyValidationError as exc:
            return error_response(exc.errors)
        except GeometryValidationError as exc:
            return error_response({"geometry": str(exc)}, repairable=isinstance(exc, InvalidGeometryError))
        except VersionConflict as exc:
            current = feature_geojson(feature_id=exc.feature.pk)
            response = error_response(
                {"version": f"Someone else saved this feature (now version {exc.feature.version}) after you "
                            "opened it. Review their change and save again."},
                status=412, current=current)
            response["ETag"] = etag(exc.feature.version)
            return response

    return wrapper


def _feature_response(feature_id: int, status: int = 200) -> JsonResponse:
    body = feature_geojson(feature_id=feature_id)
    response = JsonResponse(body, status=status)
    response["ETag"] = etag(body["version"])
    return response


def _feature_of(layer, feature_id: int) -> Feature:
    feature = Feature.objects.filter(layer=layer, pk=feature_id).select_related("layer").first()
    if feature is None:
        raise Http404("No such feature.")
    return feature


def editable_layers(request):
    """What the signed-in user may edit and manage, for the editor's layer picker."""
    editable = list(layers_for(request.user, "edit").order_by("slug").values_list("slug", flat=True))
    manageable = list(layers_for(request.user, "manage").order_by("slug").values_list("slug", flat=True))
    user = request.user
    return JsonResponse({"edit": editable, "manage": manageable, "can_create": can_create_layers(user),
                         "is_manager": user.is_department_staff and user.role == User.Role.MANAGER})


@require_POST
@editing_endpoint
def feature_create_view(request, slug: str):
    layer = layer_for(request.user, slug, "edit")
    body = json_body(request)
    feature = feature_create(layer=layer, geometry=geometry_from(body, required=True),
                             properties=body.get("properties") or {}, user=request.user, channel="browser")
    return _feature_response(feature.pk, status=201)


@require_http_methods(["GET", "PUT", "PATCH", "DELETE"])
@editing_endpoint
def feature_detail(request, slug: str, feature_id: int):
    layer = layer_for(request.user, slug, "delete" if request.method == "DELETE" else "edit")
    feature = _feature_of(layer, feature_id)
    if request.method == "GET":
        return _feature_response(feature.pk)
    body = json_body(request)
    version = base_version(request, body)
    if request.method == "DELETE":
        feature_delete(feature=feature, base_version=version, user=request.user, channel="browser")
        return JsonResponse({"deleted": feature_id, "version": version + 1})
    feature = feature_update(
        feature=feature, base_version=version, geometry=geometry_from(body, required=False),
        properties=body.get("properties"), partial=request.method == "PATCH", user=request.user, channel="browser",
    )
    return _feature_response(feature.pk)


@require_GET
@editing_endpoint
def feature_history(request, slug: str, feature_id: int):
    layer = layer_for(request.user, slug, "edit")
    versions = feature_versions(layer=layer, feature_id=feature_id)
    if not versions and not Feature.objects.filter(layer=layer, pk=feature_id).exists():
        raise Http404("No such feature.")
    return JsonResponse({"feature_id": feature_id, "versions": versions})


@require_POST
@editing_endpoint
def feature_restore(request, slug: str, feature_id: int):
    """Restore an earlier version as the next one (body: `restore` = that version, `version` = base)."""
    layer = layer_for(request.user, slug, "edit")
    feature = _feature_of(layer, feature_id)
    body = json_body(request)
    wanted = body.get("restore")
    if not isinstance(wanted, int):
        raise BadRequest({"restore": "Give the number of the version to restore."})
    try:
        feature = feature_restore_version(feature=feature, version=wanted, base_version=base_version(request, body),
                                          user=request.user, channel="browser")
    except LookupError as exc:
        raise BadRequest({"restore": str(exc)}) from exc
    return _feature_response(feature.pk)


@require_GET
@editing_endpoint
def layer_change_log(request, slug: str):
    layer = layer_for(request.user, slug, "edit")
    deleted_only = request.GET.get("deleted") in ("1", "true")
    return JsonResponse({"layer": layer.slug, "changes": layer_changes(layer=layer, deleted_only=deleted_only)})


@require_POST
@editing_endpoint
def feature_undelete_view(request, slug: str, feature_id: int):
    layer = layer_for(request.user, slug, "edit")
    try:
        feature = feature_undelete(layer=layer, feature_id=feature_id, user=request.user, channel="browser")
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    return _feature_response(feature.pk, status=201)


@require_POST
@editing_endpoint
def geometry_repair(request, slug: str):
    """Validity (ST_IsValidReason) and an ST_MakeValid preview; nothing is stored."""
    layer = layer_for(request.user, slug, "edit")
    body = json_body(request)
    geometry_from(body, required=True)
    return JsonResponse(geometry_repair_preview(layer=layer, geometry=body["geometry"]))


@require_POST
@editing_endpoint
def feature_split_view(request, slug: str, feature_id: int):
    """Split along `line` (GeoJSON LineString); answers the parts, the original feature first."""
    layer = layer_for(request.user, slug, "edit")
    feature = _feature_of(layer, feature_id)
    body = json_body(request)
    blade = geometry_from({"geometry": body.get("line")}, required=True)
    parts = feature_split(feature=feature, base_version=base_version(request, body), blade=blade,
                          user=request.user, channel="browser")
    return JsonResponse({"features": [feature_geojson(feature_id=part.pk) for part in parts]})
