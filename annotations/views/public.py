"""Public endpoints: categories, submitting a report, the track page, follow-ups, photos."""
from __future__ import annotations

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotations.abuse import RateLimited, duplicates_near, honeypot_filled, rate_limit_check
from annotations.models import Category, Photo
from annotations.permissions import user_can_handle
from annotations.privacy import annotation_personal_data_erase
from annotations.selectors import annotation_by_number, category_list, public_annotation, track_url
from annotations.services import SubmissionError, annotation_follow_up, annotation_submit, token_matches


def too_many(exc: RateLimited) -> JsonResponse:
    response = JsonResponse({"error": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def parse_geometry(raw: str | None) -> GEOSGeometry | None:
    if not raw:
        return None
    try:
        geometry = GEOSGeometry(raw)
    except (ValueError, GEOSException, GDALException) as exc:
        raise SubmissionError({"geometry": "The shape could not be read (GeoJSON expected)."}) from exc
    geometry.srid = geometry.srid or 4326
    return geometry


@require_GET
def categories(request):
    return JsonResponse({"categories": category_list()})


@require_POST
def submit(request):
    """Accept a report (multipart form). 201 with the tracking number; 409 when it looks like a
    recent report of the same problem, unless `confirm_new` says it is a different one."""
    try:
        rate_limit_check(request)
    except RateLimited as exc:
        return too_many(exc)
    data = request.POST
    if honeypot_filled(data):
        return JsonResponse({"error": "The report could not be accepted."}, status=400)
    category = Category.objects.filter(code=data.get("category", ""), active=True).first()
    if category is None:
        return JsonResponse({"error": "Choose a category.", "errors": {"category": "Choose a category."}}, status=400)
    try:
        geometry = parse_geometry(data.get("geometry"))
        if geometry is not None and data.get("confirm_new") != "1":
            duplicates = duplicates_near(category=category, geometry=geometry)
            if duplicates:
                return JsonResponse({
                    "error": "This looks already reported nearby. Follow the existing report instead?",
                    "duplicates": [
                        {"tracking_number": d.tracking_number, "track_url": track_url(d), "state": d.state}
                        for d in duplicates
                    ],
                }, status=409)
        submitted = annotation_submit(
            category=category, geometry=geometry, description=data.get("description", ""),
            name=data.get("name", ""), contact=data.get("contact", ""),
            consent=data.get("consent") in ("1", "on", "true"),
            photos=request.FILES.getlist("photos"),
        )
    except SubmissionError as exc:
        return JsonResponse({"error": str(exc), "errors": exc.errors}, status=400)
    annotation = submitted.annotation
    return JsonResponse({
        "tracking_number": annotation.tracking_number,
        "track_url": request.build_absolute_uri(track_url(annotation)),
        "follow_up_url": request.build_absolute_uri(
            f"{track_url(annotation)}follow-up/{submitted.follow_up_token}/"
        ),
    }, status=201)


@require_GET
def track_lookup(request):
    number = request.GET.get("number", "").strip()
    if number and annotation_by_number(number):
        return redirect("annotations:track", number=number.upper())
    return render(request, "annotations/track_lookup.html", {"number": number, "missing": bool(number)})


@require_GET
def track(request, number: str):
    annotation = annotation_by_number(number)
    if annotation is None:
        raise Http404("No report with this number.")
    return render(request, "annotations/track.html", {"item": public_annotation(annotation)})


@require_http_methods(["GET", "POST"])
def follow_up(request, number: str, token: str):
    """The submitter's own view: their earlier follow-ups and a form for another."""
    annotation = annotation_by_number(number)
    if annotation is None or not token_matches(annotation, token):
        raise Http404("No report with this number, or the link is not valid.")
    error = ""
    if request.method == "POST":
        try:
            rate_limit_check(request, scope="follow-up")
            annotation_follow_up(annotation=annotation, token=token, text=request.POST.get("text", ""))
            return redirect(request.path)
        except RateLimited as exc:
            return render(request, "annotations/track.html", {"item": public_annotation(annotation),
                                                               "error": str(exc)}, status=429)
        except SubmissionError as exc:
            error = "; ".join(exc.errors.values())
    return render(request, "annotations/track.html", {
        "item": public_annotation(annotation), "follow_ups": annotation.follow_ups.all(), "follow_up_form": True,
        "error": error, "has_personal_data": bool(annotation.name or annotation.contact),
        "pii_erased_at": annotation.pii_erased_at,
    }, status=400 if error else 200)


@require_POST
def personal_data_erase(request, number: str, token: str):
    """"Delete my personal data", from the submitter's follow-up link, once they confirm."""
    annotation = annotation_by_number(number)
    if annotation is None or not token_matches(annotation, token):
        raise Http404("No report with this number, or the link is not valid.")
    follow_up_url = reverse("annotations:follow-up", args=[annotation.tracking_number, token])
    if request.POST.get("confirm") != "yes":
        return render(request, "annotations/track.html", {
            "item": public_annotation(annotation), "follow_ups": annotation.follow_ups.all(),
            "follow_up_form": True, "has_personal_data": bool(annotation.name or annotation.contact),
            "erase_error": "Tick the box to confirm. / 请勾选确认。"}, status=400)
    annotation_personal_data_erase(annotation=annotation, token=token)
    return redirect(follow_up_url)


@require_GET
def photo(request, number: str, pk: int, kind: str):
    """Photos are public once the report is; before that only its handlers see them."""
    annotation = annotation_by_number(number)
    if annotation is None or not (annotation.is_public or user_can_handle(request.user, annotation)):
        raise Http404("No such photo.")
    item = Photo.objects.filter(annotation=annotation, pk=pk).first()
    if item is None or kind not in ("full", "thumb"):
        raise Http404("No such photo.")
    field = item.image if kind == "full" else item.thumbnail
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if annotation.is_public else "private, no-store"
    return response
