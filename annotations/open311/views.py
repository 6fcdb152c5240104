"""Open311 GeoReport v2 endpoints: thin wrappers around annotations/open311/core.py."""
from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from annotations.open311 import core


def _respond(request, fmt: str, build) -> HttpResponse:
    try:
        payload = build()
        body, content_type = core.render(payload.items, fmt=fmt, item_tag=payload.item_tag)
        status = 201 if request.method == "POST" else 200
    except core.Open311Error as exc:
        body, content_type = core.render(core.error_payload(exc.code, exc.description), fmt=fmt, item_tag=None)
        status = exc.code
    response = HttpResponse(body, content_type=content_type, status=status)
    if request.method == "GET":
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _media_base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def services(request, fmt: str):
    return _respond(request, fmt, core.services)


# Partners post from their servers with an api_key, not from a browser session.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request, fmt: str):
    if request.method == "POST":
        return _respond(request, fmt, lambda: core.request_create(request.POST))
    return _respond(request, fmt, lambda: core.requests_list(request.GET, media_base=_media_base(request)))


@require_GET
def request_detail(request, number: str, fmt: str):
    return _respond(request, fmt, lambda: core.request_detail(number, media_base=_media_base(request)))


@require_GET
def token_detail(request, token: str, fmt: str):
    return _respond(request, fmt, lambda: core.token_detail(token))
