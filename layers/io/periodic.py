"""Scheduled work (settings.PERIODIC_TASKS), run by every `manage.py run_worker` in a thread of its own.

A task runs at most once per interval however many workers there are: a worker runs a task only if
it is the one that sets the task's Redis key (SET NX with the interval as expiry), and the key's
expiry is the task falling due again. A second key, held while the task runs, keeps a run that takes
longer than its interval from overlapping the next. The thread is apart from the job queue, so a
six-hour import delays no audit drain. A failing task is logged with its traceback and tried again
at its next interval; it stops no other task.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.module_loading import import_string
from redis import Redis
from redis.exceptions import RedisError

from geoportal.audit.recorder import console_scope
from geoportal.observability.context import request_id

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
RUNNING_SECONDS = 6 * 3600  # a run's hold on its task lapses after this even if its worker died
_KEY = "geoportal:periodic:due:{}"
_RUNNING = "geoportal:periodic:running:{}"


@dataclass(frozen=True)
class PeriodicTask:
    path: str  # dotted path of a callable taking no arguments
    interval: int  # seconds

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


def periodic_tasks() -> list[PeriodicTask]:
    """The configured tasks (geoportal.checks validates them: periodic.E001/E002)."""
    return [PeriodicTask(path, int(interval)) for path, interval in settings.PERIODIC_TASKS]


def _run(task: PeriodicTask, function: Callable[[], object]) -> None:
    token = request_id.set(f"periodic-{task.name}-{uuid.uuid4().hex[:8]}")
    try:
        with console_scope(f"periodic:{task.name}"):
            result = function()
        logger.info("periodic task %s done: %s", task.path, result)
    except Exception:
        logger.exception("periodic task %s failed; it runs again in %s s", task.path, task.interval)
    finally:
        request_id.reset(token)
        close_old_connections()


def periodic_run_due(*, client: Redis, tasks: list[PeriodicTask], worker: str) -> list[str]:
    """Run each task that is due and not running elsewhere; returns the paths run."""
    ran = []
    for task in tasks:
        if not client.set(_KEY.format(task.path), worker, nx=True, ex=task.interval):
            continue  # run within its interval, by this worker or another
        running = _RUNNING.format(task.path)
        if not client.set(running, worker, nx=True, ex=RUNNING_SECONDS):
            continue  # still running elsewhere: the next tick after its interval tries again
        try:
            _run(task, import_string(task.path))
        finally:
            client.delete(running)
        ran.append(task.path)
    return ran


def start_periodic(client: Redis, stop: threading.Event, *, worker: str) -> threading.Thread:
    """The worker's scheduling thread; it closes its database connection when it stops."""
    tasks = periodic_tasks()

    def loop():
        try:
            while not stop.is_set():
                try:
                    periodic_run_due(client=client, tasks=tasks, worker=worker)
                except RedisError as exc:  # Redis away: nothing can be locked; resume with it
                    logger.warning("periodic tasks paused, Redis unavailable: %s", exc)
                stop.wait(TICK_SECONDS)
        finally:
            connections.close_all()

    thread = threading.Thread(target=loop, name="worker-periodic", daemon=True)
    thread.start()
    return thread
