"""Django views for the OGC API: each turns the HttpRequest into an ApiRequest and back."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from layers.api.throttling import retry_after
from layers.api.tokens import TokenError, request_principal
from layers.ogcapi import core, maps, openapi, tiles, transactions
from layers.ogcapi.protocol import ApiError, ApiRequest, ApiResponse


def to_api_request(request: HttpRequest, path: str, principal) -> ApiRequest:
    """Absolute URLs follow X-Forwarded-Host/-Proto (USE_X_FORWARDED_HOST, SECURE_PROXY_SSL_HEADER)."""
    return ApiRequest(
        method=request.method or "GET",
        base_url=request.build_absolute_uri(reverse("ogcapi:landing")).rstrip("/"),
        path=path,
        params={k: v for k, v in request.GET.items()},
        headers={k.lower(): v for k, v in request.headers.items()},
        principal=principal,
        body=request.body if request.method in ("POST", "PUT", "PATCH") else b"",
        language=get_language() or "zh",
    )


def to_django(response: ApiResponse) -> HttpResponse:
    cls = StreamingHttpResponse if response.streaming else HttpResponse
    django_response = cls(response.body, status=response.status, content_type=response.content_type)
    for name, value in response.headers.items():
        django_response[name] = value
    return django_response


FORMATS = (None, "json", "html")


def serve(handler, request: HttpRequest, *args, formats: tuple[str | None, ...] = FORMATS) -> HttpResponse:
    """`formats` are the values of `f` the handler answers; None lets the handler judge `f` itself."""
    try:
        if formats is not None and request.GET.get("f") not in formats:
            raise ApiError(400, f"f must be one of {', '.join(f for f in formats if f)}.")
        principal = _principal(request)
        response = handler(to_api_request(request, request.path_info.split("/ogc", 1)[1] or "/", principal), *args)
    except ApiError as error:
        response = error.response()
    return to_django(response)


def _principal(request: HttpRequest):
    """Token or session; rate-limited; session writes must pass the CSRF check (tokens need none)."""
    try:
        principal = request_principal(request)
    except TokenError as exc:
        raise ApiError(401, str(exc), "Unauthorized", {"WWW-Authenticate": 'Bearer realm="api"'}) from exc
    wait = retry_after(request, principal)
    if wait is not None:
        raise ApiError(429, f"Too many requests; retry in {wait} s.", "TooManyRequests", {"Retry-After": str(wait)})
    if request.method not in ("GET", "HEAD", "OPTIONS") and principal is request.user and request.user.is_authenticated:
        rejection = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
        if rejection is not None:
            raise ApiError(403, "CSRF check failed: send the CSRF token with session-authenticated writes.",
                           "Forbidden")
    return principal


def landing(request):
    return serve(core.landing, request)


def conformance(request):
    return serve(core.conformance_page, request)


def api(request):
    return serve(openapi.api, request)


def collections(request):
    return serve(core.collections, request)


def collection(request, collection_id: str):
    return serve(core.collection, request, collection_id)


def queryables(request, collection_id: str):
    return serve(core.queryables, request, collection_id)


@csrf_exempt
def items(request, collection_id: str):
    return serve(ITEMS_METHODS.get(request.method, not_allowed), request, collection_id)


@csrf_exempt
def item(request, collection_id: str, feature_id: str):
    return serve(ITEM_METHODS.get(request.method, not_allowed), request, collection_id, feature_id)


def not_allowed(req: ApiRequest, *args) -> ApiResponse:
    raise ApiError(405, f"{req.method} is not allowed here.", "MethodNotAllowed")


ITEMS_METHODS = {"GET": core.items, "HEAD": core.items, "POST": transactions.create}
ITEM_METHODS = {"GET": core.item, "HEAD": core.item, "PUT": transactions.replace, "PATCH": transactions.update,
                "DELETE": transactions.delete}


def tile_matrix_sets(request):
    return serve(tiles.tile_matrix_sets, request)


def tile_matrix_set(request, tms_id: str):
    return serve(tiles.tile_matrix_set, request, tms_id)


def tilesets(request, collection_id: str):
    return serve(tiles.tilesets, request, collection_id)


def tileset(request, collection_id: str, tms_id: str):
    return serve(tiles.tileset, request, collection_id, tms_id)


def tile(request, collection_id: str, tms_id: str, matrix: str, row: str, col: str):
    return serve(tiles.tile, request, collection_id, tms_id, matrix, row, col, formats=None)


def map_tilesets(request, collection_id: str):
    return serve(tiles.tilesets, request, collection_id, tiles.MAP)


def map_tileset(request, collection_id: str, tms_id: str):
    return serve(tiles.tileset, request, collection_id, tms_id, tiles.MAP)


def map_tile(request, collection_id: str, tms_id: str, matrix: str, row: str, col: str):
    return serve(tiles.tile, request, collection_id, tms_id, matrix, row, col, tiles.MAP, formats=None)


def collection_map(request, collection_id: str):
    return serve(maps.collection_map, request, collection_id, formats=None)


def dataset_map(request):
    return serve(maps.dataset_map, request, formats=None)
