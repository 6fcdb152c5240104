"""Running one import job: stage with GDAL, check set-wise, write atomically, report.

The job row is updated outside the write transaction so that its progress is visible while the
import runs; the write itself (and a new layer's creation) is one transaction, so a failure or a
cancellation leaves the database as it was. The staging table and the work folder are always removed.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.text import slugify
from pypinyin import lazy_pinyin

from layers.history.audit import audit_record
from layers.history.models import AuditLog
from layers.io.crs import GCJ02
from layers.io.errors import Cancelled, InvalidRequest, IOFailure
from layers.io.fields import infer_schema, resolve_mapping
from layers.io.formats import Source
from layers.io.load import check_attributes, check_geometries, geometry_family, shift_from_gcj02
from layers.io.models import ImportJob
from layers.io.staging import STAGING_PREFIX, Described, drop_staging, source_srs_args, stage
from layers.io.upload import remove_work_dir
from layers.io.write import preview_geojson, write_features
from layers.models import RESERVED_SLUGS, Layer
from layers.rasters.services import SOURCE_FORMAT as RASTER_FORMAT
from layers.rasters.services import raster_import_run

logger = logging.getLogger(__name__)


class _DryRunRollback(Exception):
    """Raised inside the write transaction of a dry run to undo it."""


def _update(job: ImportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


# Shares of a job's time at which its phases end, from a run of the job worker on the 300,000-
# polygon benchmark file into a new layer: reading the file 3%, the checks 7%, the write the rest
# (write.py splits its own share).
_READ, _CHECKED = 0.03, 0.1


class _Progress:
    """The job's fraction done, written through a database connection of its own: the write runs in
    one transaction, and what the job's own connection writes meanwhile is seen only at commit.
    Never goes backwards; written at most every half second."""

    INTERVAL = 0.5

    def __init__(self, job: ImportJob):
        self.job = job
        self.side = None
        self.written_at = 0.0

    def __call__(self, fraction: float) -> None:
        fraction = min(max(fraction, self.job.fraction), 1.0)
        self.job.fraction = fraction
        now = time.monotonic()
        if now - self.written_at < self.INTERVAL:
            return
        self.written_at = now
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.side.cursor() as cursor:  # autocommit: seen at once
            cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET fraction = %s WHERE id = %s",
                           [fraction, self.job.pk])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _cancel_requested(job: ImportJob) -> bool:
    return ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _unique_slug(title: str) -> str:
    base = slugify("-".join(lazy_pinyin(title)))[:50] or "layer"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Layer.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _new_layer(job: ImportJob, *, schema: list[dict], geometry_type: str) -> Layer:
    """The new layer, owned by the importer's department, visible to it only until a manager shares it."""
    names = [f["name"] for f in schema]
    values = {"title_zh": job.params["title"], "geometry_type": geometry_type, "schema": schema,
              "name_field": next((n for n in ("name", "mingcheng", "title", "mc") if n in names), ""),
              "visibility": Layer.Visibility.DEPARTMENT, "description_zh": f"导入自 {job.source_name}"}
    layer = Layer.objects.create(slug=_unique_slug(job.params["title"]), department_id=job.created_by.department_id,
                                 **values)
    audit_record(actor=job.created_by, action=AuditLog.Action.LAYER_CREATE, layer=layer,
                 changes={key: [None, value] for key, value in {**values, "import": job.source_name}.items()})
    return layer


def _plan_schema(job: ImportJob, described: Described) -> tuple[list[dict], dict[str, str]]:
    requested = job.params.get("mapping") or None
    if job.mode == ImportJob.Mode.NEW:
        schema, mapping = infer_schema(described.fields)
        if requested:  # target name -> source column; fields mapped to nothing are dropped
            by_source = {mapping[f["name"]]: f for f in schema}
            schema, mapping = [], {}
            for target, column in requested.items():
                if not column:
                    continue
                if column not in by_source:
                    raise InvalidRequest(f"The file has no column {column!r}.")
                schema.append({**by_source[column], "name": target})
                mapping[target] = column
        return schema, mapping
    layer = job.target_layer
    return layer.schema, resolve_mapping(schema=layer.schema, source_fields=described.fields, requested=requested)


def run_import(job_id: str) -> None:
    """The worker's entry point (also called directly when IMPORT_JOBS_SYNC is on)."""
    job = ImportJob.objects.select_related("target_layer", "created_by").get(pk=job_id)
    if job.state != ImportJob.State.QUEUED:
        if job.finished:
            remove_work_dir(job.work_dir)
        return
    if job.cancel_requested:
        _update(job, state=ImportJob.State.CANCELLED, finished_at=timezone.now(), error="Cancelled before it started.")
        remove_work_dir(job.work_dir)
        return
    _update(job, state=ImportJob.State.RUNNING, started_at=timezone.now(), phase="reading")
    table = STAGING_PREFIX + job.pk.hex
    progress = _Progress(job)
    try:
        report = _run(job, table, progress)
    except IOFailure as exc:
        state = ImportJob.State.CANCELLED if isinstance(exc, Cancelled) else ImportJob.State.FAILED
        _update(job, state=state, error=exc.message, finished_at=timezone.now(),
                report={**job.report, "rejected": exc.rows})
    except Exception:
        logger.exception("import %s failed", job.pk)
        _update(job, state=ImportJob.State.FAILED, finished_at=timezone.now(),
                error="An internal error stopped the import; nothing was written.")
    else:
        _update(job, state=ImportJob.State.SUCCEEDED, phase="done", finished_at=timezone.now(), report=report,
                fraction=1.0)
    finally:
        progress.close()
        drop_staging(table)
        remove_work_dir(job.work_dir)


def _run_raster(job: ImportJob, progress: _Progress) -> dict:
    report = raster_import_run(job, progress=progress, phase=lambda name: _update(job, phase=name),
                               cancelled=lambda: _cancel_requested(job), unique_slug=_unique_slug)
    _update(job, layer=Layer.objects.get(slug=report["layer"]))
    return report


def _run(job: ImportJob, table: str, progress: _Progress) -> dict:
    if job.source_format == RASTER_FORMAT:
        return _run_raster(job, progress)
    info = job.source_info
    source = Source(**{**info["source"], "path": Path(info["source"]["path"])})
    described = Described(**info["described"])
    crs = info.get("crs")
    total = described.feature_count
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    def on_progress(percent: int) -> None:
        if total:
            _update(job, rows_done=int(total * percent / 100))
        progress(_READ * percent / 100)

    stage(source=source, described=described, table=table, srs_args=source_srs_args(source, described, crs),
          on_progress=on_progress, should_cancel=lambda: _cancel_requested(job))
    lap("stage")
    if crs == GCJ02:
        shift_from_gcj02(table)
    progress(_READ)
    _update(job, phase="checking", rows_done=total or 0)
    schema, mapping = _plan_schema(job, described)
    report: dict = {"source": described.as_dict(), "encoding": source.encoding, "detected": source.detected,
                    "mapping": mapping, "schema": schema, "preview": preview_geojson(table=table),
                    "timings": timings}
    _update(job, report=report)
    geometry_type = job.target_layer.geometry_type if job.target_layer else geometry_family(table)
    lap("plan")
    report.update(check_geometries(table=table, geometry_type=geometry_type,
                                   invalid=job.params.get("invalid", "repair")))
    lap("check_geometries")
    check_attributes(table=table, schema=schema, mapping=mapping)
    lap("check_attributes")
    if _cancel_requested(job):
        raise Cancelled("The import was cancelled; nothing was written.")
    progress(_CHECKED)
    _update(job, phase="writing", report=report)
    try:
        with transaction.atomic():
            layer = job.target_layer or _new_layer(job, schema=schema, geometry_type=geometry_type)
            counts = write_features(table=table, layer=layer, mode=job.mode, key=job.params.get("key"),
                                    schema=schema, mapping=mapping, user=job.created_by, lap=lap,
                                    progress=lambda share: progress(_CHECKED + (1 - _CHECKED) * share))
            report.update(counts)
            # Who imported what into the layer.
            audit_record(actor=job.created_by, action=AuditLog.Action.IMPORT, layer=layer,
                         changes={key: [None, value] for key, value in
                                  {"import": job.source_name, "mode": job.mode, "job": str(job.pk), **counts}.items()})
            lap("write_audit")
            if _cancel_requested(job):
                raise Cancelled("The import was cancelled; nothing was written.")
            if job.dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        report["dry_run"] = True
        return report
    lap("commit")
    _update(job, layer=layer)
    report["layer"] = layer.slug
    return report
