"""The catalogue's pages (/catalogue/), its per-record documents and the CSW endpoint (/csw).
Thin: parse, call one selector or service, render."""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from layers.api.tokens import TokenError, request_principal
from layers.catalogue.csw import csw_dispatch
from layers.catalogue.documents import VISIBILITY_TEXT, data_dictionary, dcat, service_links
from layers.catalogue.forms import RecordForm
from layers.catalogue.params import QueryError, parse_query
from layers.catalogue.selectors import RecordQuery, record_audience, record_facets, record_of, record_search
from layers.catalogue.services import record_update, records_complete
from layers.permissions import user_can
from layers.sharing.services import request_refusal

PAGE_SIZE = 20


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _principal(request: HttpRequest):
    try:
        return request_principal(request)
    except TokenError as exc:
        raise PermissionDenied(str(exc)) from exc


def request_access_url(*, user, layer) -> str | None:
    """The share-request form, for staff of another department who may ask for the layer now."""
    if request_refusal(user=user, layer=layer) is not None:
        return None
    return reverse("sharing:request-new") + f"?layer={layer.slug}"


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    records_complete()
    language = get_language() or "zh"
    error = None
    try:
        query = parse_query(request.GET)
    except QueryError as exc:
        query, error = RecordQuery(), str(exc)
    results = record_search(user=request.user, query=query)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    total = results.count()
    rows = list(results[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    facets = record_facets(user=request.user, query=query, language=language)
    status = 400 if error else 200
    return render(request, "catalogue/search.html", {
        "query": query, "records": rows, "total": total, "facets": facets, "error": error, "page": page,
        "prev_query": _page_query(request, page - 1) if page > 1 else "",
        "next_query": _page_query(request, page + 1) if page * PAGE_SIZE < total else "",
        "english": language.startswith("en"),
        "params": request.GET,
    }, status=status)


def _page_query(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return query.urlencode()


@require_GET
def record_page(request: HttpRequest, slug: str) -> HttpResponse:
    records_complete()
    language = get_language() or "zh"
    record = record_of(user=request.user, slug=slug)
    if record is None:
        raise Http404("There is no such catalogue record.")
    layer = record.layer
    audience = record_audience(user=request.user, record=record, language=language)
    english = language.startswith("en")
    preview = {"slug": layer.slug, "bbox": list(layer.extent.extent) if layer.extent else None,
               "tiles": "/tiles/", "kind": layer.kind, "visible": audience.reader_sees_data}
    return render(request, "catalogue/record.html", {
        "record": record, "layer": layer, "fields": data_dictionary(record), "english": english,
        "links": service_links(layer=layer, base=_base(request)), "audience": audience,
        "access_text": VISIBILITY_TEXT[layer.visibility][1 if english else 0],
        "request_access_url": request_access_url(user=request.user, layer=layer), "preview": preview,
    })


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, slug: str) -> HttpResponse:
    record = record_of(user=request.user, slug=slug)
    if record is None:
        raise Http404("There is no such catalogue record.")
    if not user_can(request.user, "manage", record.layer):
        raise PermissionDenied("Only the managers of the owning department may edit this record.")
    form = RecordForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        record_update(layer=record.layer, actor=request.user, cleaned=form.cleaned_data)
        return redirect("catalogue:record", slug=slug)
    return render(request, "catalogue/edit.html", {"form": form, "record": record, "layer": record.layer},
                  status=400 if form.errors else 200)


def _readable_record(request: HttpRequest, slug: str):
    records_complete()
    record = record_of(user=_principal(request), slug=slug)
    if record is None:
        raise Http404("There is no such catalogue record.")
    return record


@require_GET
def record_iso(request: HttpRequest, slug: str) -> HttpResponse:
    record = _readable_record(request, slug)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + record.iso_xml
    return HttpResponse(body.encode(), content_type="application/vnd.iso.19139+xml; charset=utf-8")


@require_GET
def record_dcat(request: HttpRequest, slug: str) -> HttpResponse:
    record = _readable_record(request, slug)
    return HttpResponse(json.dumps(dcat(record=record, base=_base(request)), ensure_ascii=False),
                        content_type="application/ld+json")


@csrf_exempt  # a read-only protocol endpoint: POST carries a query document, never a change
@require_http_methods(["GET", "POST"])
def csw(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    records_complete()
    answer = csw_dispatch(user=principal, url=request.build_absolute_uri(reverse("catalogue_csw")),
                          method=request.method, query_string=request.META.get("QUERY_STRING", ""),
                          body=request.body if request.method == "POST" else b"", environ=request.META)
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
