"""`make bench` section "import": export the 300,000-polygon benchmark layer to a GeoPackage, import
that file through our path (upload checks, GDAL staging, set-wise checks, atomic write into a new
layer), and time `ogr2ogr -f PostgreSQL` of the same file into a plain table in the same run.
Also the peak memory (sampled RSS of the server process and its ogr2ogr child) of exports.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.core.files import File
from django.db import connection
from django.test import Client, override_settings

from geoportal.accounts.models import User
from layers.io import export
from layers.io.gdalenv import child_env
from layers.io.models import ImportJob
from layers.io.services import ImportRequest, import_job_create
from layers.io.staging import pg_dsn
from layers.models import Layer

PLAIN_TABLE = "bench_ogr2ogr_plain"
# The job's timings (layers/io/importer.py, write.py) in the order they happen.
_PHASES = ["stage", "plan", "check_geometries", "check_attributes", "write_delete", "write_update", "write_insert",
           "write_search_index", "write_stats", "write_audit", "commit"]


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0  # the process ended between listing and reading
    return 0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        pids += _tree(int(child))
    return pids


class PeakMemory:
    """Samples the RSS of this process and all its descendants every 20 ms; `peak_mib` is the largest sum."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss_kib(p) for p in _tree(os.getpid())))
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak / 1024


def _bench_user(layer: Layer) -> User:
    """A manager of the layer's department: creating a layer by import needs can_create_layers."""
    user, _ = User.objects.update_or_create(username="bench-importer", defaults={
        "department": layer.department, "role": User.Role.MANAGER})
    return user


def run(*, layer: Layer, stdout, options) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-io-"))
    try:
        _run(layer=layer, stdout=stdout, folder=folder)
    finally:
        shutil.rmtree(folder)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")


def _run(*, layer: Layer, stdout, folder: Path) -> None:
    n = layer.feature_count
    # 1. Export to a GeoPackage (the same code the export endpoint runs).
    query = export.select_sql(layer=layer, srid=4326, bbox=None, conditions=[])
    with PeakMemory() as memory:
        started = time.perf_counter()
        gpkg = export.write_file(export.FORMATS["gpkg"], query, layer, 4326, folder)
        export_s = time.perf_counter() - started
    stdout.write(f"export {n:,} features to GeoPackage: {export_s:.1f} s, peak memory {memory.peak_mib:.0f} MiB "
                 f"(server process + ogr2ogr), file {gpkg.stat().st_size / 1e6:.0f} MB")
    # 1b. The streamed GeoJSON export through the HTTP endpoint, consumed chunk by chunk.
    client = Client(HTTP_HOST="localhost")
    with PeakMemory() as memory:
        started = time.perf_counter()
        response = client.get(f"/api/layers/{layer.slug}/export", {"format": "geojson"})
        if response.status_code != 200:
            raise RuntimeError(f"export answered {response.status_code}")
        first_byte, size = None, 0
        for chunk in response.streaming_content:
            first_byte = first_byte or time.perf_counter() - started
            size += len(chunk)
        stream_s = time.perf_counter() - started
    stdout.write(f"export {n:,} features as streamed GeoJSON over HTTP: {stream_s:.1f} s, first byte after "
                 f"{first_byte:.2f} s, {size / 1e6:.0f} MB, peak memory {memory.peak_mib:.0f} MiB")

    # 2. Import the GeoPackage through our path into a new layer.
    user = _bench_user(layer)
    with override_settings(IMPORT_JOBS_SYNC=True), open(gpkg, "rb") as handle:
        started = time.perf_counter()
        job = import_job_create(user=user, uploaded=File(handle, name="bench.gpkg"),
                                request=ImportRequest(mode="new", title="基准导入（临时）"))
        ours_s = time.perf_counter() - started
    job = ImportJob.objects.get(pk=job.pk)
    if job.state != ImportJob.State.SUCCEEDED:
        stdout.write(f"our import FAILED: {job.error}")
        return
    imported = Layer.objects.get(pk=job.layer_id)
    timings = job.report.get("timings") or {}  # stored as jsonb, which keeps no key order
    phases = {name: timings[name] for name in sorted(timings, key=lambda n: _PHASES.index(n) if n in _PHASES else 99)}
    stdout.write(f"our import ({imported.feature_count:,} features, checks + atomic write): {ours_s:.1f} s; "
                 f"phases {phases}")
    imported.delete()

    # 3. The reference: ogr2ogr straight into a plain table, same file, same database.
    dsn, pg_env = pg_dsn()
    started = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", dsn, str(gpkg), "-nln", PLAIN_TABLE, "-overwrite"],
                   env=child_env(("GPKG", "PostgreSQL"), pg_env), check=True, capture_output=True)
    plain_s = time.perf_counter() - started
    stdout.write(f"ogr2ogr -f PostgreSQL into a plain table: {plain_s:.1f} s")
    stdout.write(f"ratio ours / ogr2ogr: {ours_s / plain_s:.2f}x (target within 1.5x)")
