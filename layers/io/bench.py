"""`make bench` section "import": export the 300,000-polygon benchmark layer to a GeoPackage, import
that file through our path (upload checks, GDAL staging, set-wise checks, atomic write into a new
layer) on the job queue, and time `ogr2ogr -f PostgreSQL` of the same file into a plain table in
the same run. Two figures: visible (the import job done: the layer served and editable) and
searchable (the search-index job it queues done too).
The exports (GeoPackage, streamed GeoJSON) go through the endpoint of a production server with one
worker: time, first byte, and the peak memory of that worker with the ogr2ogr it starts.
Last, a floor: the imported layer's search rows bulk-loaded into an empty twin of the index table
with all its indexes built at once, the least any import that is searchable on commit must spend.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.core.files import File
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from geoportal.accounts.models import User
from layers.bench_server import BenchServer, child_pids
from layers.io.export import CHUNK
from layers.io.gdalenv import child_env
from layers.io.models import ImportJob
from layers.io.queue import import_queue
from layers.io.services import ImportRequest, import_job_create
from layers.io.staging import pg_dsn
from layers.io.worker import RequestIdWorker
from layers.models import Layer
from layers.search.indexing import layer_index_is_current

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
    """`pid` and its descendants (one that ends while being listed has none)."""
    pids = [pid]
    for child in child_pids(pid):
        pids += _tree(child)
    return pids


class PeakMemory:
    """Samples the RSS of process `pid` (default: this one) and all its descendants every 20 ms;
    `peak_mib` is the largest sum."""

    def __init__(self, pid: int | None = None):
        self.pid = pid or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss_kib(p) for p in _tree(self.pid)))
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


def _download(port: int, path: str, target: Path | None) -> tuple[float, int]:
    """GET `path`, read chunk by chunk (kept in `target` if given); (seconds to first byte, bytes)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path)
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}: {response.read(300)!r}")
    first_byte, size = None, 0
    with open(target, "wb") if target else contextlib.nullcontext() as out:
        while chunk := response.read(CHUNK):
            first_byte = first_byte or time.perf_counter() - started
            size += len(chunk)
            if out:
                out.write(chunk)
    conn.close()
    return first_byte or 0.0, size


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
    # 1. Both exports through the endpoint of a production server with one worker, whose memory
    # (with the ogr2ogr it starts) is sampled; the GeoPackage is kept as the import's source.
    gpkg = folder / "bench.gpkg"
    with BenchServer(WORKERS="1") as server:
        worker = server.worker_pids()[0]
        for fmt, target in (("gpkg", gpkg), ("geojson", None)):
            with PeakMemory(worker) as memory:
                started = time.perf_counter()
                first_byte, size = _download(server.port, f"/api/layers/{layer.slug}/export?format={fmt}", target)
                total_s = time.perf_counter() - started
            stdout.write(f"export {n:,} features as {fmt} over HTTP: {total_s:.1f} s, first byte after "
                         f"{first_byte:.2f} s, {size / 1e6:.0f} MB, peak memory {memory.peak_mib:.0f} MiB "
                         "(the server worker with its ogr2ogr)")

    # 2. Import the GeoPackage through our path into a new layer, on the job queue worked by the
    # production worker class: the import job, then the search-index job it queues on commit.
    user = _bench_user(layer)
    queue = import_queue()
    queue.empty()
    with override_settings(IMPORT_JOBS_SYNC=False), open(gpkg, "rb") as handle:
        started, wall = time.perf_counter(), timezone.now()
        job = import_job_create(user=user, uploaded=File(handle, name="bench.gpkg"),
                                request=ImportRequest(mode="new", title="基准导入（临时）"))
        RequestIdWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=False)
        searchable_s = time.perf_counter() - started
    job = ImportJob.objects.get(pk=job.pk)
    if job.state != ImportJob.State.SUCCEEDED:
        stdout.write(f"our import FAILED: {job.error}")
        return
    visible_s = (job.finished_at - wall).total_seconds()
    imported = Layer.objects.get(pk=job.layer_id)
    timings = job.report.get("timings") or {}  # stored as jsonb, which keeps no key order
    phases = {name: timings[name] for name in sorted(timings, key=lambda n: _PHASES.index(n) if n in _PHASES else 99)}
    indexed = layer_index_is_current(layer=imported)
    stdout.write(f"our import ({imported.feature_count:,} features): visible (job done: on the map, in the APIs, "
                 f"editable) after {visible_s:.1f} s; searchable after {searchable_s:.1f} s"
                 f"{'' if indexed else ' (INDEX INCOMPLETE)'}; phases {phases}")
    floor_s, index_count = _search_rows_bulk_seconds(imported)
    imported.delete()

    # 3. The reference: ogr2ogr straight into a plain table, same file, same database.
    dsn, pg_env = pg_dsn()
    started = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", dsn, str(gpkg), "-nln", PLAIN_TABLE, "-overwrite"],
                   env=child_env(("GPKG", "PostgreSQL"), pg_env), check=True, capture_output=True)
    plain_s = time.perf_counter() - started
    stdout.write(f"ogr2ogr -f PostgreSQL into a plain table: {plain_s:.1f} s")
    stdout.write(f"ratio visible / ogr2ogr: {visible_s / plain_s:.2f}x (target within 3x); "
                 f"searchable / ogr2ogr: {searchable_s / plain_s:.2f}x (target within 6x)")
    stdout.write(f"floor: the layer's search rows alone, copied into an empty twin of the index table and its "
                 f"{index_count} indexes built at once: {floor_s:.1f} s = {floor_s / plain_s:.2f}x ogr2ogr")


def _search_rows_bulk_seconds(layer: Layer) -> tuple[float, int]:
    """The cheapest way the imported layer's search rows (already computed) can reach indexes: a
    bare table filled at once, then every index of search_searchentry built over it (no per-row
    index maintenance). A floor under any import that leaves its features searchable when it
    commits. Rolled back."""
    twin = "bench_search_twin"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' "
                       "AND tablename = 'search_searchentry'")
        definitions = [re.sub(r"^CREATE (UNIQUE )?INDEX (\S+) ON public\.search_searchentry ",
                              rf"CREATE \1INDEX bench_twin_\2 ON {twin} ", d) for (d,) in cursor.fetchall()]
        started = time.perf_counter()
        cursor.execute(f"CREATE TABLE {twin} (LIKE search_searchentry)")
        cursor.execute(f"INSERT INTO {twin} SELECT * FROM search_searchentry WHERE layer_id = %s", [layer.pk])
        for definition in definitions:
            cursor.execute(definition)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, len(definitions)
