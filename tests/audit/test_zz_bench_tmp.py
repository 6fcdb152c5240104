import statistics
import time

import pytest

from geoportal.audit import reads
from tests.audit.test_reads import _urls

pytestmark = pytest.mark.django_db


def _time(client, url, n=400):
    for _ in range(30):
        client.get(url)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[int(n * 0.95)]


def test_bench(client, users, internal_layer, read_queue, monkeypatch, settings):
    client.force_login(users["planning_editor"])
    url, _ = _urls(internal_layer.slug)["tiles"]
    with monkeypatch.context() as m:
        m.setattr(reads, "reads_submit", lambda scope, status: None)
        off = _time(client, url)
    queued = _time(client, url)
    settings.AUDIT_QUEUE_URL = "redis://127.0.0.1:1/0"
    reads._queue.cache_clear()
    direct = _time(client, url)
    reads._queue.cache_clear()
    settings.AUDIT_QUEUE_URL = settings.REDIS_URL
    print(f"\nBENCH off median={off[0]:.3f} p95={off[1]:.3f}; queued median={queued[0]:.3f} p95={queued[1]:.3f}; "
          f"direct median={direct[0]:.3f} p95={direct[1]:.3f}")
    t = time.perf_counter()
    n = reads.audit_reads_drain()
    print(f"BENCH drain {n} entries in {(time.perf_counter() - t) * 1000:.1f} ms")
