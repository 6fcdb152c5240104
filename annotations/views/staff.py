"""The department inbox: list with filters and a map, an item's page, transitions, reassignment."""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from annotations.inbox import InboxFilters, inbox_counts, inbox_geojson, inbox_items
from annotations.models import Category, State
from annotations.permissions import is_annotation_staff, user_can_handle, user_can_see_personal_data
from annotations.privacy import personal_data_shown
from annotations.selectors import annotation_by_number, track_url
from annotations.workflow import IllegalTransition, NotAllowed, allowed_next, annotation_reassign, annotation_transition
from geoportal.accounts.models import Department


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_annotation_staff(request.user):
            raise PermissionDenied("Department staff only.")
        return view(request, *args, **kwargs)

    return wrapper


def _handled_item(request, number: str):
    """An item the user handles; items of other departments answer like missing ones."""
    annotation = annotation_by_number(number)
    if annotation is None or not user_can_handle(request.user, annotation):
        raise Http404("No such item in your inbox.")
    return annotation


def _filters(request) -> InboxFilters:
    try:
        return InboxFilters.from_query(request.GET)
    except ValueError as exc:
        messages.error(request, str(exc))
        return InboxFilters()


@staff_required
@require_GET
def inbox(request):
    filters = _filters(request)
    items = inbox_items(user=request.user, filters=filters)
    return render(request, "annotations/inbox.html", {
        "items": items[:500],
        "filters": filters,
        "counts": inbox_counts(user=request.user),
        "states": State.choices,
        "categories": Category.objects.all(),
        "districts": sorted(set(inbox_items(user=request.user, filters=InboxFilters())
                                .exclude(district_code="").values_list("district_code", flat=True))),
        "query": request.GET.urlencode(),
    })


@staff_required
@require_GET
def inbox_map(request):
    items = inbox_items(user=request.user, filters=_filters(request))
    return HttpResponse(inbox_geojson(queryset=items), content_type="application/geo+json")


@staff_required
@require_GET
def item(request, number: str):
    annotation = _handled_item(request, number)
    can_see_pii = user_can_see_personal_data(request.user, annotation)
    if can_see_pii:
        personal_data_shown(user=request.user, annotation=annotation)
    return render(request, "annotations/item.html", {
        "item": annotation,
        "can_see_pii": can_see_pii,
        "photos": _staff_photos(annotation),
        "transitions": annotation.transitions.select_related("actor", "department"),
        "follow_ups": annotation.follow_ups.all(),
        "next_states": [(s, State(s).label) for s in allowed_next(annotation.state)],
        "departments": Department.objects.all(),
        "geojson": annotation.geom.geojson,
    })


def _staff_photos(annotation) -> list[dict]:
    return [{"url": reverse("annotations:photo", args=[annotation.tracking_number, p.pk, "full"]),
             "thumbnail": reverse("annotations:photo", args=[annotation.tracking_number, p.pk, "thumb"])}
            for p in annotation.photos.all()]


@staff_required
@require_POST
def transition(request, number: str):
    annotation = _handled_item(request, number)
    try:
        annotation_transition(
            annotation=annotation, to_state=request.POST.get("to_state", ""), user=request.user,
            public_reply=request.POST.get("public_reply", ""), internal_note=request.POST.get("internal_note", ""),
            track_url=request.build_absolute_uri(track_url(annotation)),
        )
    except (IllegalTransition, NotAllowed) as exc:
        messages.error(request, str(exc))
    return redirect("annotations:item", number=annotation.tracking_number)


@staff_required
@require_POST
def reassign(request, number: str):
    annotation = _handled_item(request, number)
    department = Department.objects.filter(code=request.POST.get("department", "")).first()
    if department is None:
        messages.error(request, "Choose a department.")
        return redirect("annotations:item", number=annotation.tracking_number)
    try:
        annotation_reassign(annotation=annotation, department=department, user=request.user,
                            internal_note=request.POST.get("internal_note", ""))
    except (IllegalTransition, NotAllowed) as exc:
        messages.error(request, str(exc))
        return redirect("annotations:item", number=annotation.tracking_number)
    messages.success(request, f"{annotation.tracking_number} → {department.name}")
    if user_can_handle(request.user, annotation_by_number(number)):
        return redirect("annotations:item", number=annotation.tracking_number)
    return redirect("annotations:inbox")
