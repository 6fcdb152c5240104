"""Request and response conventions of the editing API: JSON bodies, base versions from
If-Match (or the body's `version`), ETags, and errors a person can act on."""
from __future__ import annotations

import json

from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.http import Http404, JsonResponse

from layers.models import Layer
from layers.permissions import user_can, visible_layer_or_none


class BadRequest(ValueError):
    """Input the client must fix; `errors` maps a field (or "geometry", "__all__") to a message."""

    def __init__(self, errors: dict[str, str], status: int = 400):
        self.errors = errors
        self.status = status
        super().__init__("; ".join(errors.values()))


def error_response(errors: dict[str, str], status: int = 400, **extra) -> JsonResponse:
    return JsonResponse({"error": "; ".join(errors.values()), "errors": errors, **extra}, status=status)


def json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest({"__all__": f"The request body is not valid JSON: {exc}"}) from exc
    if not isinstance(body, dict):
        raise BadRequest({"__all__": "The request body must be a JSON object."})
    return body


def geometry_from(body: dict, *, required: bool) -> GEOSGeometry | None:
    raw = body.get("geometry")
    if raw is None:
        if required:
            raise BadRequest({"geometry": "Draw a geometry."})
        return None
    try:
        geometry = GEOSGeometry(json.dumps(raw), srid=4326)
    except (GEOSException, GDALException, ValueError, TypeError) as exc:
        raise BadRequest({"geometry": f"The geometry is not readable GeoJSON: {exc}"}) from exc
    return geometry


def base_version(request, body: dict) -> int:
    """The version the write is based on: If-Match: "<n>" or body["version"]; 428 if absent."""
    raw = request.headers.get("If-Match") or body.get("version")
    if raw in (None, ""):
        raise BadRequest({"version": "Send the version you edited (If-Match header or `version`)."}, status=428)
    text = str(raw).strip()
    text = text.removeprefix("W/").strip('"')
    try:
        return int(text)
    except ValueError as exc:
        raise BadRequest({"version": f"The version {raw!r} is not a number."}) from exc


def etag(version: int) -> str:
    return f'"{version}"'


def layer_for(user, slug: str, action: str) -> Layer:
    """The layer if `user` may see it (404 otherwise, as if missing) and may `action` it (403)."""
    layer = visible_layer_or_none(user, slug)
    if layer is None:
        raise Http404("No such layer.")
    if not user_can(user, action, layer):
        raise BadRequest({"__all__": f"You may not {action} features of this layer."}, status=403)
    return layer
