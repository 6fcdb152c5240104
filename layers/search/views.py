"""GET /api/search: the one search box's endpoint. Parses the request, asks layers/permissions.py
which layers the user may see, and hands over to query.search_features."""
from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from layers.gcj02 import gcj02_to_wgs84
from layers.models import Layer
from layers.permissions import layer_reads_note, layers_for, visible_layer_or_none
from layers.scope import feature_scope
from layers.search.coordinates import CoordinateError, parse_coordinate
from layers.search.query import ScopedLayer, SearchTimeout, SpatialFilter, search_features
from layers.search.text import normalise

MAX_QUERY_LENGTH = 400
MAX_LIMIT = 50
MAX_RADIUS_M = 50_000
MAX_AREA_POINTS = 500
GAZETTEER_LAYER = "districts"  # places: the districts layer, its features found by their `code`
GAZETTEER_CODE_FIELD = "code"


class BadRequest(ValueError):
    """A parameter a person can fix; the message says how."""


def _numbers(raw: str, name: str) -> list[float]:
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError as exc:
        raise BadRequest(f"{name} must be numbers separated by commas.") from exc
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise BadRequest(f"{name} must be finite numbers.")
    return values


def _lon_lat_ok(lon: float, lat: float) -> bool:
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _bbox(raw: str | None):
    if not raw:
        return None
    values = _numbers(raw, "bbox")
    if len(values) != 4 or not (-180 <= values[0] <= values[2] <= 180 and -90 <= values[1] <= values[3] <= 90):
        raise BadRequest("bbox must be west,south,east,north in degrees, with west <= east and south <= north.")
    return tuple(values)


def _near(raw: str | None, radius_raw: str | None):
    if not raw:
        return None
    values = _numbers(raw, "near")
    if len(values) != 2 or not _lon_lat_ok(*values):
        raise BadRequest("near must be lon,lat in degrees.")
    try:
        radius = float(radius_raw or 1000)
    except ValueError as exc:
        raise BadRequest("radius must be a number of metres.") from exc
    if not 0 < radius <= MAX_RADIUS_M:
        raise BadRequest(f"radius must be between 0 and {MAX_RADIUS_M} metres.")
    return (values[0], values[1], radius)


def _area(raw: str | None) -> str | None:
    if not raw:
        return None
    values = _numbers(raw, "area")
    points = list(zip(values[::2], values[1::2], strict=False))
    if len(values) % 2 or not 3 <= len(points) <= MAX_AREA_POINTS or not all(_lon_lat_ok(*p) for p in points):
        raise BadRequest(f"area must be 3 to {MAX_AREA_POINTS} lon,lat pairs in degrees, separated by commas.")
    if points[0] != points[-1]:
        points.append(points[0])
    return "POLYGON((" + ",".join(f"{lon!r} {lat!r}" for lon, lat in points) + "))"


def _within(user, code: str | None) -> int | None:
    if not code:
        return None
    gazetteer = visible_layer_or_none(user, GAZETTEER_LAYER)
    feature_id = None
    if gazetteer is not None:
        matches = gazetteer.features.filter(**{f"properties__{GAZETTEER_CODE_FIELD}": code})
        feature_id = matches.values_list("pk", flat=True).first()
    if feature_id is None:
        raise BadRequest(f"No district has the code {code[:40]!r}.")
    return feature_id


def _layers(user, raw: str | None) -> tuple[list[int], list[ScopedLayer]]:
    """The layers searched: those seen whole, and those seen through a scoped share (layers/scope.py)."""
    slugs = [s.strip() for s in raw.split(",") if s.strip()] if raw else None
    whole = layers_for(user, "view")
    if slugs is not None:
        whole = whole.filter(slug__in=slugs)
    found = dict(whole.values_list("slug", "pk"))
    scoped = []
    if getattr(user, "is_authenticated", False):
        shared = layers_for(user, "view", scoped=True).exclude(pk__in=list(found.values()))
        if slugs is not None:
            shared = shared.filter(slug__in=slugs)
        for layer in shared.filter(kind=Layer.Kind.VECTOR):
            scope = feature_scope(principal=user, layer=layer)
            scoped.append(ScopedLayer(
                layer_id=layer.pk, fields=scope.fields, name_shown=scope.shows_field(layer.name_field),
                area_geojson=scope.area.geojson if scope.area is not None else None))
            found[layer.slug] = layer.pk
    if slugs is None:
        return [pk for pk in found.values() if pk not in {s.layer_id for s in scoped}], scoped
    missing = [s for s in slugs if s not in found]
    if missing:
        # Hidden layers answer exactly like absent ones.
        raise BadRequest(f"No such layer: {', '.join(s[:64] for s in missing[:5])}.")
    scoped_ids = {s.layer_id for s in scoped}
    return [found[s] for s in slugs if found[s] not in scoped_ids], scoped


def _coordinate_feature(q: str, *, gcj02: bool) -> dict | None:
    point = parse_coordinate(q, prefer_extent=tuple(settings.CITY_EXTENT))
    if point is None:
        return None
    lon, lat = gcj02_to_wgs84(point.lon, point.lat) if gcj02 else (point.lon, point.lat)
    return {
        "type": "Feature",
        "id": None,
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        "properties": {
            "layer": None, "layer_title": None, "name": f"{lat:.6f}, {lon:.6f}", "match": "coordinate",
            "matched_field": None, "score": None, "crs_input": "gcj02" if gcj02 else "wgs84",
            "input": [point.lon, point.lat],
        },
    }


def _int(raw: str | None, default: int, name: str, low: int, high: int) -> int:
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError as exc:
        raise BadRequest(f"{name} must be a whole number.") from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value


PARAMETERS = [
    OpenApiParameter("q", str, description=f"Text (names, searchable fields, codes; Chinese, pinyin or initials, "
                     f"English) or a coordinate (decimal degrees in either order, DMS, 北纬/东经). At most "
                     f"{MAX_QUERY_LENGTH} characters. May be empty when a spatial filter or `layers` is given."),
    OpenApiParameter("bbox", str, description="west,south,east,north of the map view: results inside rank higher."),
    OpenApiParameter("layers", str, description="Comma-separated layer slugs (default: every visible layer)."),
    OpenApiParameter("near", str, description="lon,lat: only results within `radius` metres of this point."),
    OpenApiParameter("radius", float, description=f"Metres around `near` (default 1000, at most {MAX_RADIUS_M})."),
    OpenApiParameter("within", str, description="A district's code: only results inside that district."),
    OpenApiParameter("area", str, description="lon,lat,lon,lat,… a polygon ring: only results inside it."),
    OpenApiParameter("limit", int, description=f"Number of results, 1 to {MAX_LIMIT} (default 10)."),
    OpenApiParameter("geometry", str, enum=["full", "point"], description="Full geometries (default) or points only."),
    OpenApiParameter("crs", str, enum=["wgs84", "gcj02"],
                     description="The datum of a typed coordinate: gcj02 (as copied from Chinese web maps) is "
                     "converted to WGS 84."),
]


class SearchView(APIView):
    """Search features of every layer the user may see, places (districts) and coordinates."""

    @extend_schema(
        operation_id="search",
        summary="Search features, places and coordinates",
        description="GeoJSON FeatureCollection of ranked results: exact > prefix > contains > fuzzy, "
        "boosted by the layer's search_boost and inside `bbox`. Each feature carries its layer slug and "
        "title, the matched field, the match kind and the score. A coordinate query returns one point.",
        parameters=PARAMETERS,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection"),
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"error": "…"}: a parameter to fix'),
                   503: OpenApiResponse(OpenApiTypes.OBJECT, description='{"error": "…"}: the search took too long')},
        tags=["search"],
    )
    def get(self, request):
        params = request.query_params
        q = params.get("q", "")
        if len(q) > MAX_QUERY_LENGTH:
            return _error(f"The search text is limited to {MAX_QUERY_LENGTH} characters.")
        try:
            notice = None
            try:
                coordinate = _coordinate_feature(q, gcj02=params.get("crs") == "gcj02")
            except CoordinateError as exc:
                coordinate, notice = None, str(exc)
            if coordinate is not None:
                return _collection([coordinate], None)
            spatial = SpatialFilter(
                near=_near(params.get("near"), params.get("radius")),
                within_feature_id=_within(request.user, params.get("within")),
                area_wkt=_area(params.get("area")),
            )
            layer_ids, scoped = _layers(request.user, params.get("layers"))
            limit = _int(params.get("limit"), 10, "limit", 1, MAX_LIMIT)
            if not normalise(q) and not spatial and not params.get("layers"):
                raise BadRequest("Type something to search for, or choose an area or a layer.")
            features = search_features(
                layer_ids=layer_ids,
                q=q,
                spatial=spatial if spatial or normalise(q) else SpatialFilter(area_wkt=_world()),
                bbox=_bbox(params.get("bbox")),
                limit=limit,
                full_geometry=params.get("geometry", "full") != "point",
                language=get_language() or "zh",
                scoped=scoped,
            )
        except BadRequest as exc:
            return _error(str(exc))
        except SearchTimeout:
            return _error("The search took too long; please type a more specific text.", status=503)
        _reads_note(request.user, features)
        return _collection(features, notice)


def _reads_note(user, features: list[dict]) -> None:
    """Results from non-public layers are reads of them (an anonymous visitor sees none)."""
    slugs = {feature["properties"].get("layer") for feature in features} - {None}
    if slugs and getattr(user, "is_authenticated", False):
        layer_reads_note(user, layers_for(user, "view", scoped=True).filter(slug__in=slugs)
                         .exclude(visibility=Layer.Visibility.PUBLIC))


def _world() -> str:
    west, south, east, north = settings.CITY_EXTENT
    return f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"


def _collection(features: list[dict], notice: str | None) -> JsonResponse:
    body = {"type": "FeatureCollection", "features": features}
    if notice:
        body["notice"] = notice
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})
