"""The map's read endpoints: visible layers and a layer's features as GeoJSON."""
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from layers.history.selectors import feature_collection_asof_geojson, parse_asof
from layers.permissions import visible_layer_or_none
from layers.selectors import feature_collection_geojson, layer_list_visible, layer_summary

MAX_FEATURES = 10000


def _parse_bbox(raw: str | None):
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError("bbox needs four numbers: west,south,east,north")
    west, south, east, north = (float(p) for p in parts)
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError("bbox must be west,south,east,north in degrees, with west <= east and south <= north")
    return west, south, east, north


@require_GET
def layer_list(request):
    return JsonResponse({"layers": layer_list_visible(request.user, get_language() or "zh")})


@require_GET
def layer_detail(request, slug: str):
    layer = visible_layer_or_none(request.user, slug)
    if layer is None:
        raise Http404("No such layer.")
    return JsonResponse(layer_summary(layer, get_language() or "zh"))


@require_GET
def layer_features(request, slug: str):
    layer = visible_layer_or_none(request.user, slug)
    if layer is None:
        raise Http404("No such layer.")
    try:
        bbox = _parse_bbox(request.GET.get("bbox"))
        limit = int(request.GET.get("limit", MAX_FEATURES))
        asof = parse_asof(request.GET["asof"]) if request.GET.get("asof") else None
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if not 1 <= limit <= MAX_FEATURES:
        return JsonResponse({"error": f"limit must be between 1 and {MAX_FEATURES}"}, status=400)
    if asof is not None:
        body = feature_collection_asof_geojson(layer=layer, asof=asof, bbox=bbox, limit=limit)
    else:
        body = feature_collection_geojson(layer=layer, bbox=bbox, limit=limit)
    return HttpResponse(body, content_type="application/geo+json")
