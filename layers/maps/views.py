"""/wms: the WMS endpoint (layers/maps/wms.py answers it). A token works as on the other APIs
(`Authorization: Bearer …`) and, for clients that cannot set headers, as a `token=` parameter
(which lands in logs and histories: docs/maps.md)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from layers.api.throttling import retry_after
from layers.api.tokens import TokenError, parameter_principal
from layers.maps.wms import online_resource, wms_exception, wms_handle
from layers.permissions import layer_reads_note, layers_for
from layers.scope import drawing_scopes


@require_GET
def wms(request: HttpRequest) -> HttpResponse:
    params = {key.upper(): value for key, value in request.GET.items()}
    token = params.pop("TOKEN", None)
    version = params.get("VERSION", "1.3.0")
    try:
        principal = parameter_principal(request, token)
    except TokenError as error:
        return _refusal(str(error), version, status=401)
    wait = retry_after(request, principal)
    if wait is not None:
        response = _refusal(f"Too many requests; retry in {wait} s.", version, status=429)
        response["Retry-After"] = str(wait)
        return response
    layers, scopes = [], {}
    for layer in layers_for(principal, "view", scoped=True).select_related("raster").order_by("theme", "slug"):
        scope = drawing_scopes(principal=principal, layers=[layer])  # drawn and queried within a scoped share
        if scope is not None:  # None: a raster seen only through a scoped share, not offered
            scopes.update(scope)
            layers.append(layer)
    language = params.get("LANGUAGE") or get_language() or "zh"
    base = request.build_absolute_uri(request.path)
    answer = wms_handle(params=params, layers=layers, online_resource=online_resource(base, token),
                        language="en" if language.lower().startswith("en") else "zh", scopes=scopes)
    layer_reads_note(principal, answer.read)
    response = HttpResponse(answer.body, content_type=answer.content_type, status=answer.status)
    authenticated = token is not None or getattr(principal, "is_authenticated", False)
    response["Cache-Control"] = "private" if (answer.private or authenticated) else "public, max-age=60"
    response["Vary"] = "Authorization, Accept-Language, Cookie"
    return response


def _refusal(message: str, version: str, *, status: int) -> HttpResponse:
    answer = wms_exception(message, "NoApplicableCode" if status == 429 else "InvalidToken", version)
    response = HttpResponse(answer.body, content_type=answer.content_type, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
