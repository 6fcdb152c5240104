"""Prometheus metrics (prometheus_client).

gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (scripts/serve.sh
creates and empties var/prometheus) each process writes its samples to files there and /metrics
sums them (MultiProcessCollector); gunicorn's child_exit hook marks a dead worker's gauges.
Without it (tests, runserver) the process's own registry is read.
"""
import os
import time

from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import REGISTRY, GaugeMetricFamily

REQUESTS = Counter("geoportal_http_requests_total", "HTTP requests by route and status",
                   ["route", "method", "status"])
LATENCY = Histogram("geoportal_http_request_duration_seconds", "Request duration by route", ["route"],
                    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
DB_TIME = Histogram("geoportal_db_time_seconds", "Database time per request by route", ["route"],
                    buckets=(.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10))
TILE_CACHE = Counter("geoportal_tile_cache_total", "Tile cache lookups by result (hit, miss)",
                     ["result", "path"])


class JobQueueCollector:
    """Queue depth and the oldest waiting job's age, read from Redis at scrape time."""

    def collect(self):
        from layers.io.queue import import_queue  # the app registry is ready by the first scrape

        depth = GaugeMetricFamily("geoportal_job_queue_depth", "Jobs waiting in the queue")
        age = GaugeMetricFamily("geoportal_job_queue_oldest_age_seconds", "Age of the oldest waiting job")
        try:
            queue = import_queue()
            depth.add_metric([], queue.count)
            oldest = queue.get_jobs(0, 1)
            enqueued = oldest[0].enqueued_at if oldest else None
            age.add_metric([], max(0.0, time.time() - enqueued.timestamp()) if enqueued else 0.0)
        except Exception:  # noqa: BLE001  Redis unreachable: no sample, /readyz names it
            return
        yield depth
        yield age


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(JobQueueCollector())
    return generate_latest(registry)


class _Default:
    def collect(self):
        return REGISTRY.collect()


def allowed(request) -> bool:
    """METRICS_TOKEN as a bearer token, or a client address inside METRICS_ALLOWED_IPS."""
    import hmac
    import ipaddress

    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:], token):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)
