"""The production server's worker (geoportal/gunicorn_worker.py): one idle worker woken per
connection, and the production configuration serving and stopping with it."""
from __future__ import annotations

import http.client
import os
import select
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gunicorn import glogging
from gunicorn.config import Config
from gunicorn.workers.sync import SyncWorker

from geoportal.gunicorn_worker import ExclusiveWakeSyncWorker
from layers.bench_server import BenchServer

WAITERS = 3


def _woken_waiters(worker_class: type[SyncWorker]) -> int:
    """Fork WAITERS processes idle in `worker_class.wait` on one listening socket, make one
    connection, and count the processes that woke up for it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    reports_r, reports_w = os.pipe()
    children = []
    for _ in range(WAITERS):
        pid = os.fork()
        if pid == 0:  # a waiting worker: reports 1 if the connection woke it, 0 at the timeout
            try:
                cfg = Config()
                worker = worker_class(0, os.getppid(), [listener], None, 30, cfg, glogging.Logger(cfg))
                worker.PIPE = list(os.pipe())
                worker.wait_fds = [listener, worker.PIPE[0]]  # as Worker.init_process sets them
                woken = worker.wait(2.0)
                os.write(reports_w, b"1" if listener in (woken or []) else b"0")
            except BaseException:
                os.write(reports_w, b"E")
            finally:
                os._exit(0)
        children.append(pid)
    try:
        time.sleep(0.5)  # every child is in its wait
        client = socket.create_connection(listener.getsockname())
        reports = b""
        deadline = time.monotonic() + 10
        while len(reports) < WAITERS and time.monotonic() < deadline:
            if select.select([reports_r], [], [], 0.5)[0]:
                reports += os.read(reports_r, 16)
        client.close()
        assert len(reports) == WAITERS and b"E" not in reports, f"waiting workers reported {reports!r}"
        return reports.count(b"1")
    finally:
        for pid in children:
            os.waitpid(pid, 0)
        os.close(reports_r)
        os.close(reports_w)
        listener.close()


@pytest.mark.skipif(not hasattr(select, "EPOLLEXCLUSIVE"), reason="needs Linux epoll")
def test_one_connection_wakes_one_idle_worker():
    assert _woken_waiters(ExclusiveWakeSyncWorker) == 1


@pytest.mark.skipif(not hasattr(select, "EPOLLEXCLUSIVE"), reason="needs Linux epoll")
def test_the_stock_sync_worker_wakes_them_all():
    """The herd the worker exists to avoid (and proof that the count above can see it)."""
    assert _woken_waiters(SyncWorker) == WAITERS


def test_the_production_configuration_serves_concurrent_clients_and_stops_on_term():
    config = Path(__file__).resolve().parent.parent / "geoportal" / "gunicorn.conf.py"
    assert 'worker_class = "geoportal.gunicorn_worker.ExclusiveWakeSyncWorker"' in config.read_text()
    server = BenchServer(WORKERS="3")
    with server:
        def fetch(_):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            return response.status, response.read()

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(fetch, range(64)))
        assert [status for status, _ in results] == [200] * 64
        assert len(server.worker_pids()) == 3
        started = time.monotonic()
    assert server.process.returncode == 0
    assert time.monotonic() - started < 10  # TERM: the idle workers leave their wait at once
