"""The production HTTP server's settings (gunicorn), used by scripts/serve.sh, the container and the
benchmarks (`make bench`), so that what is measured is what is deployed.

Synchronous workers: one request at a time per process, no thread switching; with `preload_app`
Django is imported once and the workers forked from it, so they start in a fraction of the time
(and memory) of importing it in each worker.
"""
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Tile and page requests spend most of their time waiting for PostGIS, not running Python, so a
# machine serves about four at once per core: one synchronous worker each.
workers = int(os.environ.get("WORKERS") or 4 * (os.cpu_count() or 1))
# The stock sync worker, but one idle worker is woken per connection, not all of them
# (geoportal/gunicorn_worker.py).
worker_class = "geoportal.gunicorn_worker.ExclusiveWakeSyncWorker"
preload_app = True
timeout = 120
accesslog = os.environ.get("ACCESS_LOG", "-")


def child_exit(server, worker):
    """A dead worker's live gauges are dropped from /metrics (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
