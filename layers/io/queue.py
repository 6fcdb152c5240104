"""The job queue: RQ on Redis, worked by `manage.py run_worker`.

With IMPORT_JOBS_SYNC (the test suite) a job runs in the request that created it, after its
transaction commits, through the same function (named by its dotted path) the worker calls.
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry

from geoportal.observability.context import request_id

JOB_TIMEOUT = 6 * 3600


def import_queue() -> Queue:
    return Queue(settings.IMPORT_QUEUE, connection=Redis.from_url(settings.REDIS_URL))


def enqueue_import(job_id: str) -> None:
    """Run the job after the current transaction commits (so the worker sees its row)."""
    enqueue("layers.io.importer.run_import", job_id, rq_id=f"import-{job_id}")


def enqueue(function: str, job_id: str, *, rq_id: str) -> None:
    """Queue `function(job_id)` once the transaction commits, with the request id that asked for it
    in the job's meta (the worker logs and tags its SQL with it: layers/io/worker.py)."""
    if settings.IMPORT_JOBS_SYNC:
        transaction.on_commit(lambda: import_string(function)(job_id))
        return
    meta = {"request_id": request_id.get()}
    transaction.on_commit(lambda: import_queue().enqueue(
        function, job_id, job_id=rq_id, job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=86400,
        meta=meta))


def running_job_ids() -> set[str]:
    """RQ ids of the jobs a live worker is running now (abandoned ones are cleaned up by RQ)."""
    queue = import_queue()
    return set(StartedJobRegistry(queue=queue).get_job_ids())
