"""Benchmark of printed maps (section "print" of `manage.py bench`): seconds for an A4 300 dpi PDF
of the Harbin demo map (every demo layer over the city centre, landscape), the whole job as the
worker runs it, next to the renderer drawing the same map frame alone (the floor)."""
from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.db import transaction

from fixtures.harbin import load_demo
from layers.models import Layer
from layers.printing.mapimage import map_pieces
from layers.printing.models import PrintJob
from layers.printing.page import page_layout
from layers.printing.params import PrintRequest
from layers.printing.scale import extent_covering
from layers.printing.services import print_job_run

DEMO = ["land-use-zones", "districts", "parks", "schools", "hospitals", "service-centres"]
VIEW = [126.55, 45.70, 126.75, 45.80]  # central Harbin: Daoli, Nangang, Xiangfang, Songbei's south
REPEAT = 3


def _demo_layers(stdout) -> list[Layer]:
    if Layer.objects.filter(slug__in=DEMO).count() < len(DEMO):
        stdout.write("  loading the Harbin demo layers …")
        load_demo()
    by_slug = {layer.slug: layer for layer in Layer.objects.filter(slug__in=DEMO)}
    return [by_slug[slug] for slug in DEMO]


def _print_once(layers: list[Layer]) -> tuple[float, PrintJob]:
    request = PrintRequest(paper="A4", orientation="landscape", format="pdf", dpi=300, layers=DEMO, scopes={},
                           bbox=VIEW, center=None, zoom=None, title="哈尔滨市中心城区", review_number="", language="zh")
    with transaction.atomic():
        job = PrintJob.objects.create(params={**request.as_params(), "layer_ids": [layer.pk for layer in layers]})
    start = time.perf_counter()
    print_job_run(str(job.pk))
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    return seconds, job


def _frame_alone(layers: list[Layer]) -> float:
    layout = page_layout(paper="A4", orientation="landscape", dpi=300)
    extent = extent_covering(bbox=tuple(VIEW), frame_mm=(layout.frame.w, layout.frame.h))
    width, height = layout.frame_px
    start = time.perf_counter()
    for _ in map_pieces(layers=layers, bbox=extent.bbox, width=width, height=height, dpi=300, language="zh"):
        pass
    return time.perf_counter() - start


def run(*, layer, stdout, options) -> None:
    layers = _demo_layers(stdout)
    _, warm = _print_once(layers)  # warm: fonts, the renderer's map objects, PostGIS's buffers
    runs, jobs = [], [warm]
    try:
        for _ in range(REPEAT):
            seconds, job = _print_once(layers)
            jobs.append(job)
            if job.state != PrintJob.State.SUCCEEDED:
                stdout.write(f"  print failed: {job.error}")
                return
            runs.append(seconds)
        floor = statistics.median(_frame_alone(layers) for _ in range(REPEAT))
        printed = jobs[-1].params["printed"]
        median = statistics.median(runs)
        size = (settings.MEDIA_ROOT / jobs[-1].result).stat().st_size
        stdout.write(f"  A4 landscape 300 dpi PDF of {len(layers)} demo layers at 1:{printed['scale']:,} "
                     f"({printed['map_pixels'][0]}×{printed['map_pixels'][1]} map pixels, {size / 1e6:.1f} MB): "
                     f"{median:.2f} s median of {REPEAT} (runs {', '.join(f'{s:.2f}' for s in runs)}); "
                     f"the renderer drawing the same frame alone {floor:.2f} s (x{median / floor:.2f})")
    finally:
        for job in jobs:
            if job.result:
                (settings.MEDIA_ROOT / job.result).unlink(missing_ok=True)
            job.delete()
