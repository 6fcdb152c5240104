"""The job worker (RQ), with a heartbeat /readyz reads and the enqueuing request's id in its logs and SQL."""
from __future__ import annotations

import threading
import time

from django.db import connection
from redis import Redis
from rq import Worker

from geoportal.observability.context import request_id, valid_or_new
from geoportal.observability.middleware import DatabaseTimer

HEARTBEAT_SECONDS = 5


def heartbeat_key() -> str:
    from geoportal.observability.views import WORKER_HEARTBEAT_KEY

    return WORKER_HEARTBEAT_KEY


def beat(client: Redis) -> None:
    """Write now's time under the heartbeat key (it expires by itself if the worker stops)."""
    client.set(heartbeat_key(), str(time.time()), ex=HEARTBEAT_SECONDS * 12)


def start_heartbeat(client: Redis, stop: threading.Event) -> threading.Thread:
    def loop():
        while not stop.is_set():
            try:
                beat(client)
            except Exception:  # noqa: BLE001  Redis away: /readyz says so, the beat resumes with it
                pass
            stop.wait(HEARTBEAT_SECONDS)

    thread = threading.Thread(target=loop, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread


class RequestIdWorker(Worker):
    """Runs each job under the request id it was queued with (RQ job meta)."""

    def perform_job(self, job, queue):
        rid = valid_or_new(job.meta.get("request_id"))
        token = request_id.set(rid)
        try:
            with connection.execute_wrapper(DatabaseTimer(rid)):
                return super().perform_job(job, queue)
        finally:
            request_id.reset(token)
