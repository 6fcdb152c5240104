"""Print jobs: created from a checked request, run on the job queue, pruned after PRINT_FILE_MAX_AGE.

`print_job_run` is what the worker (or, with IMPORT_JOBS_SYNC, the request) runs: it renders
the map frame piece by piece (phase "map", most of the work), then the legend and the page,
and writes the file under MEDIA_ROOT/prints/."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.timezone import localdate

from layers.io.queue import enqueue
from layers.maps.errors import MapRequestError
from layers.maps.render import legend_entries
from layers.models import Layer
from layers.printing.mapimage import map_pieces, piece_grid
from layers.printing.models import PrintJob
from layers.printing.page import (
    LegendGroup,
    PageContent,
    draw_furniture,
    draw_map,
    page_finish,
    page_layout,
    page_surface,
    scale_bar_room,
)
from layers.printing.params import PrintRequest
from layers.printing.scale import extent_at_zoom, extent_covering, lonlat_bbox, scale_bar
from layers.scope import FeatureScope

logger = logging.getLogger(__name__)
PRINT_DIR = "prints"
MAP_SHARE = 0.9  # of the job's time: the map pieces; the legend and writing the page share the rest


def owner_fields(principal, session_key: str) -> dict:
    """The PrintJob fields naming who asks: a person, an API token, or an anonymous visitor's session."""
    token_id = getattr(principal, "token_id", None)
    if token_id is not None:
        return {"created_by": None, "token_id": token_id, "session_key": ""}
    if getattr(principal, "is_authenticated", False):
        return {"created_by": principal, "token_id": None, "session_key": ""}
    return {"created_by": None, "token_id": None, "session_key": session_key}


def print_job_create(*, request: PrintRequest, layers: list[Layer], owner: dict) -> PrintJob:
    """Save the job and queue it once the transaction commits."""
    prints_prune()
    params = request.as_params()
    params["layer_ids"] = [layer.pk for layer in layers]
    job = PrintJob.objects.create(params=params, **owner)
    job_id = str(job.pk)
    enqueue("layers.printing.services.print_job_run", job_id, rq_id=f"print-{job_id}")
    return job


def _progress(job: PrintJob, phase: str, fraction: float) -> None:
    job.phase, job.fraction = phase, fraction
    PrintJob.objects.filter(pk=job.pk).update(phase=phase, fraction=fraction)


def _legend(layers: list[Layer], language: str) -> list[LegendGroup]:
    groups = []
    for layer in layers:
        title = layer.title_en if language == "en" and layer.title_en else layer.title_zh
        entries = [(entry["label"], entry["png"]) for entry in legend_entries(layer=layer, language=language)]
        groups.append(LegendGroup(title=title, entries=entries))
    return groups


def _attribution(layers: list[Layer]) -> str:
    seen: list[str] = []
    for layer in layers:
        if layer.attribution and layer.attribution not in seen:
            seen.append(layer.attribution)
    return "；".join(seen) or "Geoportal"


def print_job_run(job_id: str) -> None:
    job = PrintJob.objects.filter(pk=job_id, state=PrintJob.State.QUEUED).first()
    if job is None:
        return
    job.state, job.started_at = PrintJob.State.RUNNING, timezone.now()
    job.save(update_fields=["state", "started_at"])
    try:
        result = print_render(job=job)
    except Exception as exc:  # the job records every failure; the requester polls for it
        if isinstance(exc, MapRequestError):
            message = exc.message
        else:
            logger.exception("print %s failed", job.pk)
            message = "The print could not be drawn; the error is logged."
        _print_path(job).unlink(missing_ok=True)
        PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.FAILED, error=message,
                                                  finished_at=timezone.now())
        return
    PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.SUCCEEDED, phase="done", fraction=1.0,
                                              result=result, params=job.params, finished_at=timezone.now())


def _print_path(job: PrintJob) -> Path:
    return Path(settings.MEDIA_ROOT) / PRINT_DIR / f"{job.pk}.{job.params['format']}"


def print_render(*, job: PrintJob) -> str:
    """Draw the job's page into its file; returns the file's path relative to MEDIA_ROOT.

    The layers are those checked when the job was made, in the order asked."""
    p = job.params
    by_id = {layer.pk: layer for layer in Layer.objects.filter(pk__in=p["layer_ids"])}
    layers = [by_id[pk] for pk in p["layer_ids"] if pk in by_id]
    layout = page_layout(paper=p["paper"], orientation=p["orientation"], dpi=p["dpi"])
    frame_mm = (layout.frame.w, layout.frame.h)
    if p["bbox"]:
        extent = extent_covering(bbox=tuple(p["bbox"]), frame_mm=frame_mm)
    else:
        extent = extent_at_zoom(center=tuple(p["center"]), zoom=p["zoom"], frame_mm=frame_mm)
    width, height = layout.frame_px
    pieces = len(piece_grid(width, height))
    relative = _print_path(job).relative_to(settings.MEDIA_ROOT).as_posix()
    path = _print_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    surface, ctx = page_surface(fmt=p["format"], layout=layout, dpi=p["dpi"], target=str(path))
    _progress(job, "map", 0.02)
    draw_map(ctx=ctx, layout=layout, dpi=p["dpi"],
             pieces=map_pieces(layers=layers, bbox=extent.bbox, width=width, height=height, dpi=p["dpi"],
                               language=p["language"], scopes={int(pk): FeatureScope.from_document(scope)
                                                               for pk, scope in p.get("scopes", {}).items()}),
             progress=lambda n: _progress(job, "map", 0.02 + MAP_SHARE * n / pieces))
    _progress(job, "legend", 0.02 + MAP_SHARE)
    content = PageContent(
        title=p["title"], scale=extent.scale, scale_bar=scale_bar(scale=extent.scale, max_mm=scale_bar_room(layout)),
        legend=_legend(layers, p["language"]), attribution=_attribution(layers),
        date=localdate().isoformat(), review_number=p["review_number"], language=p["language"])
    draw_furniture(ctx=ctx, layout=layout, content=content)
    _progress(job, "writing", 0.97)
    page_finish(surface=surface, fmt=p["format"], target=str(path))
    job.params = {**p, "printed": {"scale": extent.scale, "extent_4326": list(lonlat_bbox(extent)),
                                   "extent_3857": list(extent.bbox), "map_pixels": [width, height],
                                   "frame_mm": [layout.frame.x, layout.frame.y, layout.frame.w, layout.frame.h],
                                   "page_mm": list(layout.paper), **content.drawn}}
    return relative


def prints_prune() -> int:
    """Delete the jobs (and files) older than PRINT_FILE_MAX_AGE; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.PRINT_FILE_MAX_AGE)
    old = list(PrintJob.objects.filter(created_at__lt=cutoff).values_list("pk", "result"))
    for _, result in old:
        if result:
            (Path(settings.MEDIA_ROOT) / result).unlink(missing_ok=True)
    PrintJob.objects.filter(pk__in=[pk for pk, _ in old]).delete()
    return len(old)
