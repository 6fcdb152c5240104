"""Suggest-a-correction: the public's proposal (JSON API) and the department's queue."""
from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotations.abuse import RateLimited, honeypot_filled, rate_limit_check
from annotations.corrections import (
    SuggestionNotAllowed,
    public_layer_feature,
    suggestion_accept,
    suggestion_create,
    suggestion_reject,
    suggestions_for,
)
from annotations.models import Suggestion
from annotations.services import SubmissionError
from annotations.views.public import parse_geometry, too_many
from annotations.views.staff import staff_required
from layers.services import VersionConflict


@require_POST
def suggest(request):
    """POST JSON {layer, feature_id, properties, geometry?, comment, contact?}."""
    try:
        rate_limit_check(request, scope="suggest")
    except RateLimited as exc:
        return too_many(exc)
    try:
        data = json.loads(request.body or b"{}")
        feature_id = int(data.get("feature_id"))
    except (ValueError, TypeError):
        return JsonResponse({"error": "Send JSON with layer, feature_id and the proposed values."}, status=400)
    if honeypot_filled(data):
        return JsonResponse({"error": "The suggestion could not be accepted."}, status=400)
    feature = public_layer_feature(user=request.user, layer_slug=str(data.get("layer", "")), feature_id=feature_id)
    if feature is None:
        raise Http404("No such public feature.")
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        return JsonResponse({"error": "properties must be an object."}, status=400)
    try:
        geometry = parse_geometry(json.dumps(data["geometry"])) if data.get("geometry") else None
        suggestion = suggestion_create(feature=feature, properties=properties, geometry=geometry,
                                       comment=str(data.get("comment", "")), contact=str(data.get("contact", "")))
    except SubmissionError as exc:
        return JsonResponse({"error": str(exc), "errors": exc.errors}, status=400)
    return JsonResponse({"id": suggestion.pk, "status": suggestion.status}, status=201)


@staff_required
@require_GET
def queue(request):
    status = request.GET.get("status", Suggestion.Status.PENDING)
    items = suggestions_for(request.user).filter(status=status) if status else suggestions_for(request.user)
    return render(request, "annotations/suggestions.html", {"items": items[:200], "status": status,
                                                            "statuses": Suggestion.Status.choices})


@staff_required
@require_POST
def decide(request, pk: int):
    suggestion = suggestions_for(request.user).filter(pk=pk).first()
    if suggestion is None:
        raise Http404("No such suggestion in your queue.")
    try:
        if request.POST.get("decision") == "accept":
            suggestion_accept(suggestion=suggestion, user=request.user, reply=request.POST.get("reply", ""))
        else:
            suggestion_reject(suggestion=suggestion, user=request.user, reply=request.POST.get("reply", ""))
    except VersionConflict:
        messages.error(request, "The feature has changed since this was suggested; reject it or edit by hand.")
    except (SubmissionError, SuggestionNotAllowed) as exc:
        messages.error(request, str(exc))
    return redirect("annotations:suggestions")
