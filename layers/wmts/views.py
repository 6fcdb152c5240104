"""Django views of WMTS: /wmts (KVP), /wmts/1.0.0/WMTSCapabilities.xml and the RESTful tiles.

Who asks: an `Authorization: Bearer` token, a `token=` query parameter (for clients that cannot
set headers; it lands in logs and histories, see docs/wmts.md), or the session."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from layers.api.throttling import retry_after
from layers.api.tokens import TokenError, parameter_principal
from layers.models import Layer
from layers.wmts import service
from layers.wmts.exceptions import OwsError


def ows_principal(request: HttpRequest):
    """The token of the header or of `token=`, else the session's user; bad tokens are refused (401)."""
    try:
        principal = parameter_principal(request, request.GET.get("token"))
    except TokenError as exc:
        raise OwsError(str(exc), code="NoApplicableCode", locator="token", status=401,
                       headers={"WWW-Authenticate": 'Bearer realm="api"'}) from exc
    wait = retry_after(request, principal)
    if wait is not None:
        raise OwsError(f"Too many requests; retry in {wait} s.", code="NoApplicableCode", status=429,
                       headers={"Retry-After": str(wait)})
    return principal


def _answer(request: HttpRequest, handler, **kwargs) -> HttpResponse:
    try:
        result = handler(principal=ows_principal(request), **kwargs)
    except OwsError as error:
        response = HttpResponse(error.document(), status=error.status, content_type=service.XML)
        for name, value in error.headers.items():
            response[name] = value
        return response
    etag = result.headers.get("ETag")
    if etag and etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(result.body, status=result.status, content_type=result.content_type)
    for name, value in result.headers.items():
        response[name] = value
    if result.layer is not None:
        public = result.layer.visibility == Layer.Visibility.PUBLIC
        response["Cache-Control"] = f"{'public' if public else 'private'}, max-age={settings.TILE_HTTP_MAX_AGE}"
        if public:
            response["Access-Control-Allow-Origin"] = "*"
    else:
        response["Cache-Control"] = "private, no-cache"
    return response


def _service_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/wmts")


@require_safe
def kvp(request: HttpRequest) -> HttpResponse:
    params = {name.lower(): value for name, value in request.GET.items()}
    return _answer(request, service.kvp, params=params, service_url=_service_url(request),
                   token=request.GET.get("token") or None)


@require_safe
def rest_capabilities(request: HttpRequest) -> HttpResponse:
    return _answer(request, service.capabilities, service_url=_service_url(request),
                   token=request.GET.get("token") or None)


@require_safe
def rest_tile(request: HttpRequest, layer: str, style: str, tms: str, matrix: str, row: str, col: str,
              ext: str) -> HttpResponse:
    return _answer(request, service.tile, layer=layer, style=style, matrix_set_id=tms, matrix=matrix, row=row,
                   col=col, extension=ext)


@require_safe
def rest_feature_info(request: HttpRequest, layer: str, style: str, tms: str, matrix: str, row: str, col: str,
                      j: str, i: str, ext: str) -> HttpResponse:
    return _answer(request, service.feature_info, layer=layer, style=style, matrix_set_id=tms, matrix=matrix,
                   row=row, col=col, i=i, j=j, extension=ext)
