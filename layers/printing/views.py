"""The print API: POST /api/prints/ queues a printed map (202), GET /api/prints/{id}/ reports it,
GET /api/prints/{id}/file downloads it.

DRF views, so the API's authentication (session, tokens) and rate limits apply; anonymous
visitors may print public layers, their jobs tied to their session. A job is found only by the
one who asked for it: to anyone else it does not exist."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from geoportal.security.downloads import stored_file_response
from layers.printing import params as p
from layers.printing.models import PrintJob
from layers.printing.params import PrintRequestError, print_request_parse
from layers.printing.services import owner_fields, print_job_create

PRINT_REQUEST = inline_serializer(name="PrintRequest", fields={
    "paper": serializers.ChoiceField(["A4", "A3"], required=False, help_text="Default A4."),
    "orientation": serializers.ChoiceField(p.ORIENTATIONS, required=False, help_text="Default portrait."),
    "format": serializers.ChoiceField(p.FORMATS, required=False, help_text="Default pdf."),
    "dpi": serializers.ChoiceField(p.DPIS, required=False, help_text="Default 150."),
    "layers": serializers.ListField(child=serializers.CharField(), max_length=p.MAX_LAYERS,
                                    help_text="Layer slugs in draw order, the bottom one first."),
    "bbox": serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4, required=False,
                                  help_text="The view to cover: west, south, east, north in EPSG:4326, inside "
                                            "the city; the print's scale is the round one that covers it."),
    "center": serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, required=False,
                                    help_text="Instead of bbox: lon, lat; printed at the scale nearest the "
                                              "screen's at zoom."),
    "zoom": serializers.FloatField(required=False, help_text="With center: the web map's zoom, 8–20."),
    "title": serializers.CharField(required=False, max_length=p.MAX_TITLE, help_text="Default: the city's name."),
    "review_number": serializers.CharField(required=False, max_length=p.MAX_REVIEW_NUMBER,
                                           help_text="The map review number (审图号), printed when given."),
    "language": serializers.ChoiceField(p.LANGUAGES, required=False, help_text="Of the page's words; default zh."),
})
ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='{"error": "what to change"}')


def job_payload(job: PrintJob) -> dict:
    done = job.state == PrintJob.State.SUCCEEDED
    return {
        "id": str(job.pk),
        "url": reverse("layers_printing:print-detail", args=[job.pk]),
        "state": job.state,
        "phase": job.phase,
        "percent": 100.0 if done else round(100 * job.fraction, 1),
        "error": job.error or None,
        "download": reverse("layers_printing:print-file", args=[job.pk]) if done else None,
        "request": {k: v for k, v in job.params.items() if k not in ("layer_ids", "printed")},
        "printed": job.params.get("printed"),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _session_key(request) -> str:
    return request.session.session_key or ""


def requester_job(request, pk) -> PrintJob:
    owner = owner_fields(request.user, _session_key(request))
    if not any(owner.values()):
        raise Http404("No such print.")
    job = PrintJob.objects.filter(pk=pk, **owner).first()
    if job is None:
        raise Http404("No such print.")
    return job


class PrintListView(APIView):
    def handle_exception(self, exc):
        if isinstance(exc, PrintRequestError):
            return Response({"error": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    @extend_schema(operation_id="prints_create", request=PRINT_REQUEST,
                   responses={202: OpenApiTypes.OBJECT, 400: ERROR, 429: ERROR})
    def post(self, request):
        print_request, layers = print_request_parse(data=request.data, principal=request.user)
        if not getattr(request.user, "is_authenticated", False) and not request.session.session_key:
            request.session.save()  # an anonymous visitor's job belongs to their session
        job = print_job_create(request=print_request, layers=layers,
                               owner=owner_fields(request.user, _session_key(request)))
        job.refresh_from_db()
        payload = job_payload(job)
        return Response(payload, status=status.HTTP_202_ACCEPTED, headers={"Location": payload["url"]})


class PrintDetailView(APIView):
    @extend_schema(operation_id="prints_retrieve", responses={200: OpenApiTypes.OBJECT, 404: ERROR})
    def get(self, request, pk):
        return Response(job_payload(requester_job(request, pk)))


class PrintFileView(APIView):
    @extend_schema(operation_id="prints_file", responses={
        (200, "application/pdf"): OpenApiTypes.BINARY, (200, "image/png"): OpenApiTypes.BINARY,
        404: ERROR, 409: ERROR})
    def get(self, request, pk):
        job = requester_job(request, pk)
        if job.state != PrintJob.State.SUCCEEDED:
            return Response({"error": f"The print is {job.state}, not ready."}, status=status.HTTP_409_CONFLICT)
        path = Path(settings.MEDIA_ROOT) / job.result
        if not path.is_file():
            raise Http404("The print's file is gone; print it again.")
        fmt = job.params["format"]
        name = f"map-{job.created_at:%Y%m%d-%H%M}-{job.params['paper']}.{fmt}"
        return stored_file_response(handle=path.open("rb"), filename=name, attachment=True,
                                    allowed={"application/pdf" if fmt == "pdf" else "image/png"})
