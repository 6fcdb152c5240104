"""Benchmark of webhook delivery (section "webhooks" of `manage.py bench`): the delay from an
edit's commit to its change arriving at a real HTTP receiver, at 50 edits/s, delivered by a real
`manage.py run_worker` process (the job queue on Redis, signed posts, the periodic sweep).

Prints p50/p95/max of the delay and how many edits arrived; every edit must arrive (0 lost).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.contrib.gis.geos import Point
from django.test.utils import override_settings

from geoportal.accounts.models import User
from layers.changes.feed import changes_head
from layers.changes.models import Subscription
from layers.io.queue import import_queue
from layers.models import Feature, Layer
from layers.services import FeatureInput, feature_update, features_bulk_create

SLUG = "bench-webhooks"
RATE = 50  # edits a second
SECONDS = 20
FEATURES = 200
QUEUE = "geoportal-bench-webhooks"


class _Receiver:
    """A local receiver noting when each (feature, version) arrives."""

    def __init__(self):
        self.arrived: dict[tuple[int, int], float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.monotonic()
                for change in json.loads(body).get("changes", []):
                    receiver.arrived.setdefault((change["id"], change["version"]), now)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _layer(benchmark: Layer) -> tuple[Layer, User]:
    layer, _ = Layer.objects.get_or_create(
        slug=SLUG, defaults={"title_zh": "推送基准", "title_en": "Webhook benchmark",
                             "department": benchmark.department,
                             "geometry_type": Layer.GeometryType.POINT, "is_demo": True,
                             "schema": [{"name": "n", "type": "integer"}]})
    if not Feature.objects.filter(layer=layer).exists():
        features_bulk_create(layer=layer, rows=[FeatureInput(Point(126.6 + i / 1000, 45.75, srid=4326), {"n": 0})
                                                for i in range(FEATURES)])
    owner, _ = User.objects.get_or_create(username="bench-webhooks", defaults={
        "department": benchmark.department, "role": User.Role.MANAGER})
    return layer, owner


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(*, layer: Layer, stdout, options) -> None:
    hooked, owner = _layer(layer)
    receiver = _Receiver()
    Subscription.objects.filter(layer=hooked).delete()
    subscription = Subscription.objects.create(kind=Subscription.Kind.LAYER, layer=hooked, url=receiver.url,
                                               secret="bench", owner=owner,
                                               cursor=changes_head(layer=hooked).encode())
    env = {**os.environ, "IMPORT_QUEUE": QUEUE, "IMPORT_JOBS_SYNC": "0", "WEBHOOK_ALLOWED_URLS": receiver.url,
           "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=settings.BASE_DIR, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    committed: dict[tuple[int, int], float] = {}
    try:
        with override_settings(IMPORT_QUEUE=QUEUE, IMPORT_JOBS_SYNC=False):
            import_queue().empty()
            time.sleep(3)  # the worker starts
            features = list(Feature.objects.filter(layer=hooked).order_by("id"))
            start = time.monotonic()
            for n in range(RATE * SECONDS):
                time.sleep(max(0.0, start + n / RATE - time.monotonic()))
                feature = features[n % len(features)]
                feature = feature_update(feature=feature, base_version=feature.version, properties={"n": n})
                features[n % len(features)] = feature
                committed[(feature.pk, feature.version)] = time.monotonic()
            rate = len(committed) / (time.monotonic() - start)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not committed.keys() <= receiver.arrived.keys():
                time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        receiver.server.shutdown()
        subscription.delete()
    delays = [(receiver.arrived[key] - at) * 1000 for key, at in committed.items() if key in receiver.arrived]
    lost = len(committed) - len(delays)
    stdout.write(f"webhook delivery at {rate:.0f} edits/s for {SECONDS} s ({len(committed)} edits, one worker): "
                 f"commit to receiver p50 {statistics.median(delays):.0f} ms, p95 {_percentile(delays, 0.95):.0f} ms, "
                 f"max {max(delays):.0f} ms; {len(delays)} arrived, {lost} lost")
