"""The import API: POST /api/imports/ queues a job (202), GET reports it, DELETE cancels it.

DRF views, so every authentication class configured for the API (session with CSRF, tokens)
applies. Uploads pass through LimitedUploadHandler, installed before anything reads the body.
"""
from __future__ import annotations

import json

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.io.errors import InvalidRequest, IOFailure
from layers.io.models import ImportJob, owner_fields
from layers.io.services import ImportRequest, import_job_cancel, import_job_create
from layers.io.upload import LimitedUploadHandler
from layers.search.indexing import layer_index_is_current

IMPORT_REQUEST = inline_serializer(name="ImportRequest", fields={
    "file": serializers.FileField(),
    "layer": serializers.CharField(required=False, help_text="Slug of an existing layer (append/replace/upsert)."),
    "title": serializers.CharField(required=False, help_text="Title of a new layer (mode new)."),
    "mode": serializers.ChoiceField(ImportJob.Mode.values, required=False),
    "key": serializers.CharField(required=False, help_text="The key field for upsert."),
    "crs": serializers.CharField(required=False, help_text="EPSG:xxxx or GCJ02; default: from the file."),
    "encoding": serializers.CharField(required=False, help_text="UTF-8, GBK or GB18030; default: detected."),
    "dry_run": serializers.BooleanField(required=False),
    "invalid": serializers.ChoiceField(["repair", "skip", "fail"], required=False),
    "source_layer": serializers.CharField(required=False),
    "x_field": serializers.CharField(required=False),
    "y_field": serializers.CharField(required=False),
    "wkt_field": serializers.CharField(required=False),
    "mapping": serializers.CharField(required=False, help_text="JSON object: target field -> source column."),
})


def failure_response(exc: IOFailure) -> Response:
    body = {"error": exc.message}
    if exc.rows:
        body["rows"] = exc.rows
    return Response(body, status=exc.status)


def _flag(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _text(data, name: str) -> str | None:
    value = data.get(name)
    return str(value).strip() or None if value is not None else None


def _search_state(job: ImportJob) -> str | None:
    """"indexing" while a large import's features wait for their search rows (layers/io/write.py),
    "ready" once search finds them; None before the job has written anything."""
    if job.state != ImportJob.State.SUCCEEDED or job.layer is None or job.dry_run:
        return None
    if job.report.get("search") == "indexing" and not layer_index_is_current(layer=job.layer):
        return "indexing"
    return "ready"


def job_payload(job: ImportJob) -> dict:
    # Percent and time left cover the whole job (reading, checks, the write), not only the rows read.
    percent = 100.0 if job.state == ImportJob.State.SUCCEEDED else round(100 * job.fraction, 1)
    eta = None
    if job.state == ImportJob.State.RUNNING and job.started_at and job.fraction >= 0.01:
        elapsed = (timezone.now() - job.started_at).total_seconds()
        eta = round(elapsed * (1 - job.fraction) / job.fraction, 1)
    return {
        "id": str(job.pk),
        "url": reverse("layers_io_api:import-detail", args=[job.pk]),
        "state": job.state,
        "phase": job.phase,
        "progress": {"rows_done": job.rows_done, "rows_total": job.rows_total, "percent": percent,
                     "seconds_left": eta},
        "mode": job.mode,
        "dry_run": job.dry_run,
        "source": {"name": job.source_name, "format": job.source_format,
                   "info": job.source_info.get("described", {})},
        "report": job.report,
        "error": job.error,
        "layer": {"slug": job.layer.slug, "url": f"/api/layers/{job.layer.slug}/"} if job.layer else None,
        "search": _search_state(job),
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


class ImportListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def initialize_request(self, request, *args, **kwargs):
        # Before authentication: the CSRF check already reads the multipart body.
        request.upload_handlers = [LimitedUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, IOFailure):
            return failure_response(exc)
        return super().handle_exception(exc)

    @extend_schema(operation_id="imports_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        jobs = ImportJob.objects.filter(**owner_fields(request.user)).select_related("layer")[:50]
        return Response({"imports": [job_payload(job) for job in jobs]})

    @extend_schema(operation_id="imports_create", request={"multipart/form-data": IMPORT_REQUEST},
                   responses={202: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 413: OpenApiTypes.OBJECT,
                              415: OpenApiTypes.OBJECT, 422: OpenApiTypes.OBJECT})
    def post(self, request):
        data = request.data
        try:
            mapping = json.loads(data["mapping"]) if data.get("mapping") else None
        except ValueError as exc:
            raise InvalidRequest("mapping must be a JSON object of target field -> source column.") from exc
        if mapping is not None and not isinstance(mapping, dict):
            raise InvalidRequest("mapping must be a JSON object of target field -> source column.")
        import_request = ImportRequest(
            mode=_text(data, "mode") or ("new" if data.get("title") else "append"),
            layer_slug=_text(data, "layer"), title=_text(data, "title"), key=_text(data, "key"),
            crs=_text(data, "crs"), encoding=_text(data, "encoding"), dry_run=_flag(data.get("dry_run", "")),
            invalid=_text(data, "invalid") or "repair", source_layer=_text(data, "source_layer"),
            x_field=_text(data, "x_field"), y_field=_text(data, "y_field"), wkt_field=_text(data, "wkt_field"),
            mapping=mapping,
        )
        job = import_job_create(user=request.user, uploaded=request.FILES.get("file"), request=import_request)
        job.refresh_from_db()
        payload = job_payload(job)
        return Response(payload, status=status.HTTP_202_ACCEPTED, headers={"Location": payload["url"]})


class ImportDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def _job(self, request, pk) -> ImportJob:
        jobs = ImportJob.objects.select_related("layer").filter(pk=pk)
        if not request.user.is_platform_admin:
            jobs = jobs.filter(**owner_fields(request.user))
        job = jobs.first()
        if job is None:
            raise Http404("No such import.")
        return job

    @extend_schema(operation_id="imports_retrieve", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        return Response(job_payload(self._job(request, pk)))

    @extend_schema(operation_id="imports_cancel", responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT})
    def delete(self, request, pk):
        job = import_job_cancel(job=self._job(request, pk))
        return Response(job_payload(job), status=status.HTTP_202_ACCEPTED if not job.finished else status.HTTP_200_OK)
