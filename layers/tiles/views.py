"""Tile endpoints: /tiles/<layer>/<z>/<x>/<y>.mvt|.geojson (vector layers), .png|.webp|.jpg (every
layer, drawn by the map renderer) and /tiles/<layer>.json. A token in `Authorization: Bearer …`
works as on the other APIs."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.http import parse_etags
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from layers.api.tokens import TokenError, request_principal
from layers.maps.errors import MapRequestError
from layers.models import Layer
from layers.permissions import visible_layer_or_none
from layers.scope import reader_scope
from layers.tiles.grid import TileRequestError, parse_tile
from layers.tiles.images import IMAGE_FORMATS, image_tile_get
from layers.tiles.images import MEDIA_TYPES as IMAGE_MEDIA_TYPES
from layers.tiles.queries import GEOJSON_MEDIA_TYPE, MVT_MEDIA_TYPE
from layers.tiles.serving import tile_get
from layers.tiles.tilejson import layer_tilejson, zoom_range

_MEDIA_TYPES = {"mvt": MVT_MEDIA_TYPE, "geojson": GEOJSON_MEDIA_TYPE, **IMAGE_MEDIA_TYPES}
NO_SUCH_LAYER = "No such layer."


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _cache_headers(response: HttpResponse, layer: Layer) -> HttpResponse:
    """Public layers' tiles may be kept by shared caches; restricted ones only by the browser."""
    scope = "public" if layer.visibility == Layer.Visibility.PUBLIC else "private"
    response["Cache-Control"] = f"{scope}, max-age={settings.TILE_HTTP_MAX_AGE}"
    if scope == "public":
        response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def tile(request, slug: str, z: str, x: str, y: str, fmt: str):
    try:
        address = parse_tile(z, x, y)
    except TileRequestError as exc:
        return _error(exc.status, str(exc))
    try:
        principal = request_principal(request)
        layer = visible_layer_or_none(principal, slug, scoped=True)  # tiles apply a scoped share
    except TokenError as exc:
        return _error(401, str(exc))
    scope = reader_scope(principal=principal, layer=layer) if layer is not None else None
    if scope is None:
        return _error(404, NO_SUCH_LAYER)
    minzoom, maxzoom = zoom_range(layer)
    if not minzoom <= address.z <= maxzoom:
        return _error(404, f"This layer has tiles from zoom {minzoom} to {maxzoom}, not at zoom {address.z}.")
    if fmt in IMAGE_FORMATS:
        fmt = IMAGE_FORMATS[fmt]
        try:
            entry, hit = image_tile_get(layer=layer, tile=address, fmt=fmt, scope=scope)
        except MapRequestError as exc:
            return _error(400, str(exc))
    elif layer.is_raster:
        return _error(404, f"{layer.slug} is a raster layer: use .png, .webp or .jpg tiles.")
    else:
        entry, hit = tile_get(layer=layer, tile=address, fmt=fmt, scope=scope)
    etag = f'"{entry.etag}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    elif entry.body:
        response = HttpResponse(entry.body, content_type=_MEDIA_TYPES[fmt])
    else:
        response = HttpResponse(status=204)
    response["ETag"] = etag
    response["X-Tile-Cache"] = "hit" if hit else "miss"
    return _cache_headers(response, layer)


@require_GET
def tilejson(request, slug: str):
    try:
        principal = request_principal(request)
        layer = visible_layer_or_none(principal, slug, scoped=True)
    except TokenError as exc:
        return _error(401, str(exc))
    scope = reader_scope(principal=principal, layer=layer) if layer is not None else None
    if scope is None:
        return _error(404, NO_SUCH_LAYER)
    base_url = request.build_absolute_uri(f"/tiles/{layer.slug}/")
    document = layer_tilejson(layer=layer, base_url=base_url, language=get_language() or "zh", scope=scope)
    return _cache_headers(JsonResponse(document, json_dumps_params={"ensure_ascii": False}), layer)
