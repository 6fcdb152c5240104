"""Creating and cancelling import jobs. The API and the browser page call these.

Creating a job does at once everything that can refuse a file quickly — size, extension, zip
safety, hostile-content scan, magic bytes, required parts, GDAL opening it with the format's one
driver, layer choice, CRS, permission — so that these answer 4xx immediately; the heavy reading
and writing run in the job.
"""
from __future__ import annotations

import dataclasses
import re

from django.utils import timezone

from layers.io.crs import parse_crs
from layers.io.errors import InvalidRequest
from layers.io.formats import ReadOptions, open_upload
from layers.io.formats.base import normalise_encoding
from layers.io.importer import run_import
from layers.io.models import ImportJob, owner_fields
from layers.io.queue import enqueue_import, running_job_ids
from layers.io.staging import STAGING_PREFIX, describe, drop_staging, source_srs_args
from layers.io.upload import new_work_dir, remove_work_dir, save_upload
from layers.models import Layer
from layers.permissions import can_create_layers, layers_for
from layers.rasters.services import SOURCE_FORMAT as RASTER_FORMAT
from layers.rasters.services import is_raster_upload, raster_upload_check
from layers.schema import parse_schema

INVALID_CHOICES = ("repair", "skip", "fail")


@dataclasses.dataclass
class ImportRequest:
    mode: str
    layer_slug: str | None = None
    title: str | None = None
    key: str | None = None
    crs: str | None = None
    encoding: str | None = None
    dry_run: bool = False
    invalid: str = "repair"
    source_layer: str | None = None
    x_field: str | None = None
    y_field: str | None = None
    wkt_field: str | None = None
    mapping: dict | None = None


def _target_layer(user, request: ImportRequest) -> Layer | None:
    if request.mode == ImportJob.Mode.NEW:
        if not (request.title or "").strip():
            raise InvalidRequest("A new layer needs a title.")
        if not (can_create_layers(user) and getattr(user, "department_id", None)):
            raise InvalidRequest("Only department managers create new layers; editors import into a layer they "
                                 "may edit (mode append, replace or upsert).")
        return None
    if not request.layer_slug:
        raise InvalidRequest(f"Mode {request.mode} needs the layer to load into (layer).")
    layer = layers_for(user, "edit").filter(slug=request.layer_slug).first()
    if layer is None:
        raise InvalidRequest(f"No layer {request.layer_slug!r} that you may edit.")
    if request.mode == ImportJob.Mode.UPSERT:
        names = {f.name for f in parse_schema(layer.schema)}
        if request.key not in names:
            raise InvalidRequest(f"Upsert needs a key field of the layer; choose one of: {', '.join(sorted(names))}.")
    return layer


def _safe_name(filename: str) -> str:
    base = re.sub(r"[^\w.\-]+", "_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).lstrip(".")
    return (base or "upload")[-120:]


def import_job_create(*, user, uploaded, request: ImportRequest, run_now: bool = False) -> ImportJob:
    """Check the upload and the request now; queue the import (with `run_now`, run it here, inside
    the caller's transaction: the demo loader). Raises IOFailure subclasses (4xx)."""
    if request.mode not in ImportJob.Mode.values:
        raise InvalidRequest(f"mode must be one of: {', '.join(ImportJob.Mode.values)}.")
    if request.invalid not in INVALID_CHOICES:
        raise InvalidRequest(f"invalid must be one of: {', '.join(INVALID_CHOICES)}.")
    crs = parse_crs(request.crs)
    normalise_encoding(request.encoding)
    target = _target_layer(user, request)
    if uploaded is None:
        raise InvalidRequest("Attach the file to import (file).")
    folder = new_work_dir()
    try:
        path = save_upload(uploaded, folder, _safe_name(uploaded.name))
        if is_raster_upload(path):
            job = _raster_job_create(user=user, uploaded=uploaded, request=request, path=path, crs=crs, target=target,
                                     folder=folder)
            _start(job, run_now)
            return job
        if target is not None and target.is_raster:
            raise InvalidRequest(f"Layer {target.slug!r} is a raster layer: upload a GeoTIFF (.tif) to replace it.")
        options = ReadOptions(encoding=request.encoding, source_layer=request.source_layer, x_field=request.x_field,
                              y_field=request.y_field, wkt_field=request.wkt_field)
        source = open_upload(path, options)
        described = describe(source, source_layer=request.source_layer)
        source_srs_args(source, described, crs)  # refuses now when no CRS can be known
        job = ImportJob.objects.create(
            mode=request.mode, dry_run=request.dry_run, source_name=uploaded.name[:255], source_format=source.format,
            params={k: v for k, v in dataclasses.asdict(request).items() if k not in ("crs",)},
            source_info={"source": {**dataclasses.asdict(source), "path": str(source.path)},
                         "described": dataclasses.asdict(described), "crs": crs},
            work_dir=str(folder), target_layer=target, rows_total=described.feature_count, **owner_fields(user),
        )
    except BaseException:
        remove_work_dir(folder)
        raise
    _start(job, run_now)
    return job


def _start(job: ImportJob, run_now: bool) -> None:
    if run_now:
        run_import(str(job.pk))
        job.refresh_from_db()
    else:
        enqueue_import(str(job.pk))


def _raster_job_create(*, user, uploaded, request: ImportRequest, path, crs, target, folder) -> ImportJob:
    if crs == "GCJ02":
        raise InvalidRequest("A GeoTIFF cannot be in GCJ02; name an EPSG coordinate system (crs) or none.")
    info = raster_upload_check(path=path, crs=crs, mode=request.mode, target=target)
    return ImportJob.objects.create(
        mode=request.mode, dry_run=False, source_name=uploaded.name[:255], source_format=RASTER_FORMAT,
        params={"title": request.title, "layer_slug": request.layer_slug}, source_info=info,
        work_dir=str(folder), target_layer=target,
        **owner_fields(user))


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops at its next check
    (nothing it did is kept)."""
    if job.finished:
        return job
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.CANCELLED, finished_at=timezone.now(), error="Cancelled before it started.")
    job.refresh_from_db()
    return job


def import_jobs_recover() -> int:
    """Fail the jobs left "running" by a worker that died (killed, machine restarted): their write
    transaction was rolled back by PostgreSQL; drop their staging tables and folders. Returns how many."""
    alive = running_job_ids()
    count = 0
    for job in ImportJob.objects.filter(state=ImportJob.State.RUNNING):
        if f"import-{job.pk}" in alive:
            continue
        drop_staging(STAGING_PREFIX + job.pk.hex)
        remove_work_dir(job.work_dir)
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED, finished_at=timezone.now(),
            error="The worker stopped during the import; nothing was written. Please import again.")
        count += 1
    return count
