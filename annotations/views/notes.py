"""Internal staff notes: a list with a small map, a form to pin a note, replies."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.gis.geos import Point
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.models import InternalNote
from annotations.notes import note_create, notes_visible
from annotations.services import SubmissionError
from annotations.views.staff import staff_required
from layers.models import Feature


def _place(post) -> tuple[Point | None, Feature | None]:
    point = feature = None
    if post.get("lat") and post.get("lon"):
        point = Point(float(post["lon"]), float(post["lat"]), srid=4326)
    if post.get("feature_id"):
        feature = Feature.objects.filter(pk=int(post["feature_id"])).first()
        if feature is None:
            raise SubmissionError({"feature_id": "No such feature."})
    return point, feature


@staff_required
@require_http_methods(["GET", "POST"])
def notes(request):
    if request.method == "POST":
        try:
            parent = notes_visible(request.user).filter(pk=request.POST.get("parent") or 0).first()
            point, feature = (None, None) if parent else _place(request.POST)
            note_create(user=request.user, text=request.POST.get("text", ""),
                        audience=request.POST.get("audience", InternalNote.Audience.DEPARTMENT),
                        point=point, feature=feature, parent=parent)
        except ValueError as exc:
            messages.error(request, str(exc))
        except PermissionError as exc:
            messages.error(request, str(exc))
        return redirect("annotations:notes")
    items = notes_visible(request.user).filter(parent__isnull=True).prefetch_related("replies__author")[:200]
    return render(request, "annotations/notes.html", {"items": items, "audiences": InternalNote.Audience.choices})
