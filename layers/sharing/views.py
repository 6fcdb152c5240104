"""Share-request pages (/sharing/): ask, follow, decide, the matrix. Thin: parse, call one
selector or service, render."""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from layers.catalogue.selectors import record_of
from layers.catalogue.services import records_complete
from layers.models import Layer
from layers.permissions import user_can
from layers.sharing.forms import DecisionForm, RevokeForm, ShareRequestForm
from layers.sharing.models import ShareRequest
from layers.sharing.selectors import request_for, requests_of_department, requests_to_decide, sharing_matrix
from layers.sharing.services import (
    ShareError,
    layer_field_names,
    request_refusal,
    share_request_approve,
    share_request_create,
    share_request_refuse,
    share_request_revoke,
    share_request_withdraw,
)


def _english() -> bool:
    return (get_language() or "zh").startswith("en")


def _map_config(layer: Layer, share: ShareRequest | None = None) -> dict:
    """The area map: the districts as backdrop, fitted to the layer's extent (metadata any
    catalogue reader sees), with the area asked and the area given of a request."""
    def geojson(area):
        return json.loads(area.geojson) if area is not None else None
    return {"bbox": list(layer.extent.extent) if layer.extent else None, "tiles": "/tiles/",
            "backdrop": {"slug": "districts", "kind": "vector", "min_zoom": 0, "max_zoom": 18},
            "asked": geojson(share.area) if share else None,
            "given": geojson(share.granted_area) if share else None}


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("layer", "")
    records_complete()
    record = record_of(user=request.user, slug=slug) if slug else None
    if record is None:
        raise Http404("There is no such layer in the catalogue.")
    layer = record.layer
    refusal = request_refusal(user=request.user, layer=layer)
    if refusal:
        return render(request, "sharing/refused.html", {"layer": layer, "message": refusal}, status=409)
    form = ShareRequestForm(request.POST or None, layer=layer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = share_request_create(actor=request.user, layer=layer, purpose=data["purpose"],
                                           fields=data["chosen_fields"], area=data["area"],
                                           area_label=data["area_label"], duration_days=data["duration_days"])
        except ShareError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("sharing:request", pk=created.pk)
    return render(request, "sharing/request_form.html", {
        "form": form, "layer": layer, "english": _english(), "map_config": _map_config(layer),
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_department_staff:
        raise PermissionDenied("Share requests are made by department staff.")
    return render(request, "sharing/request_list.html", {
        "requests": requests_of_department(request.user)[:200], "english": _english()})


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "sharing/inbox.html", {
        "requests": requests_to_decide(request.user)[:200], "english": _english()})


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    share = request_for(request.user, pk)
    if share is None:
        raise Http404("There is no such share request.")
    decides = user_can(request.user, "grant", share.layer)
    action = request.POST.get("action") if request.method == "POST" else None
    decision = DecisionForm(request.POST if action == "decide" else None, request=share) if decides else None
    revoke = RevokeForm(request.POST if action == "revoke" else None) if decides else None
    error = None
    try:
        if action == "decide" and decision is not None and decision.is_valid():
            data = decision.cleaned_data
            if data["decision"] == DecisionForm.REFUSE:
                share_request_refuse(actor=request.user, request=share, reason=data["reason"])
            else:
                share_request_approve(actor=request.user, request=share, fields=data["chosen_fields"],
                                      narrow_area=data["area"], narrow_area_label=data["area_label"],
                                      duration_days=data["duration_days"], reason=data.get("reason", ""))
            return redirect("sharing:request", pk=share.pk)
        if action == "revoke" and revoke is not None and revoke.is_valid():
            share_request_revoke(actor=request.user, request=share, reason=revoke.cleaned_data["reason"])
            return redirect("sharing:request", pk=share.pk)
        if action == "withdraw":
            share_request_withdraw(actor=request.user, request=share)
            return redirect("sharing:request", pk=share.pk)
        if action not in (None, "decide", "revoke", "withdraw"):
            error = "Unknown action."
    except ShareError as exc:
        error = str(exc)
    invalid = bool(error) or (decision is not None and decision.errors) or (revoke is not None and revoke.errors)
    pending = share.state == ShareRequest.State.PENDING
    # The area map (and its script) is on the page when the decision form draws on it, or, for
    # everyone else and after the decision, when there is an area asked or given to show.
    deciding = decision is not None and pending
    area_map = "drawn" in decision.fields if deciding else (share.area is not None
                                                             or share.granted_area is not None)
    return render(request, "sharing/request_detail.html", {
        "share": share, "layer": share.layer, "decides": decides, "decision": decision, "revoke": revoke,
        "error": error, "english": _english(), "map_config": _map_config(share.layer, share),
        "field_names": layer_field_names(share.layer),
        "mine": share.requester_department_id == getattr(request.user, "department_id", None),
        "pending": pending, "approved": share.state == ShareRequest.State.APPROVED, "area_map": area_map,
    }, status=400 if invalid else 200)


@login_required
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_department_staff or user.is_platform_admin or user.is_security_admin
            or user.is_audit_admin):
        raise PermissionDenied("The sharing matrix is for department staff and administrators.")
    found = sharing_matrix()
    english = _english()
    names = [d.name_en if english and d.name_en else d.name_zh for d in found.departments]
    chart = {"labels": names,
             "given": [found.given.get(d.pk, 0) for d in found.departments],
             "received": [found.received.get(d.pk, 0) for d in found.departments],
             "given_label": "共享出 / Shared with others", "received_label": "获得 / Received"}
    return render(request, "sharing/matrix.html", {"matrix": found, "rows": found.rows(), "names": names,
                                                   "chart": chart, "english": english})
