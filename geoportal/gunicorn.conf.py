"""The production HTTP server's settings (gunicorn), used by scripts/serve.sh, the container and the
benchmarks (`make bench`), so that what is measured is what is deployed.

Synchronous workers: one request at a time per process, no thread switching; with `preload_app`
Django is imported once and the workers forked from it, so they start in a fraction of the time
(and memory) of importing it in each worker.
"""
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "3"))
worker_class = "sync"
preload_app = True
timeout = 120
accesslog = os.environ.get("ACCESS_LOG", "-")
