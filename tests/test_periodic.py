"""Scheduled tasks (settings.PERIODIC_TASKS) run by the worker: once per interval across workers,
apart from the queue, a failing task stopping no other (layers/io/periodic.py), on the real Redis."""
from __future__ import annotations

import logging
import threading
import time

import pytest
from django.core import checks
from django.core.management import call_command
from redis import Redis

from layers.io import periodic
from layers.io.periodic import PeriodicTask, periodic_run_due, start_periodic

CALLS: list[str] = []
RECORD = "tests.test_periodic.record"
FAIL = "tests.test_periodic.fail"


def record() -> int:
    CALLS.append("record")
    return len(CALLS)


def fail() -> None:
    CALLS.append("fail")
    raise RuntimeError("the task broke")


@pytest.fixture
def redis(settings) -> Redis:
    """The real Redis, with the worker configured to run `record` only."""
    settings.PERIODIC_TASKS = [(RECORD, 60)]
    redis = Redis.from_url(settings.REDIS_URL)
    keys = [template.format(path) for path in (RECORD, FAIL) for template in (periodic._KEY, periodic._RUNNING)]
    redis.delete(*keys)
    CALLS.clear()
    yield redis
    redis.delete(*keys)


def test_a_task_runs_once_per_interval_whichever_worker_asks(redis):
    tasks = [PeriodicTask(RECORD, 60)]
    assert periodic_run_due(client=redis, tasks=tasks, worker="a") == [RECORD]
    assert periodic_run_due(client=redis, tasks=tasks, worker="a") == []
    assert periodic_run_due(client=redis, tasks=tasks, worker="b") == []
    assert CALLS == ["record"]
    assert 0 < redis.ttl(periodic._KEY.format(RECORD)) <= 60
    redis.delete(periodic._KEY.format(RECORD))  # the interval passed
    assert periodic_run_due(client=redis, tasks=tasks, worker="b") == [RECORD]
    assert CALLS == ["record", "record"]


def test_a_task_still_running_elsewhere_is_not_started_again(redis):
    redis.set(periodic._RUNNING.format(RECORD), "other-worker")
    assert periodic_run_due(client=redis, tasks=[PeriodicTask(RECORD, 1)], worker="a") == []
    assert CALLS == []


def test_a_failing_task_is_logged_and_stops_no_other(redis, caplog):
    with caplog.at_level(logging.ERROR, logger="layers.io.periodic"):
        ran = periodic_run_due(client=redis, tasks=[PeriodicTask(FAIL, 60), PeriodicTask(RECORD, 60)], worker="a")
    assert ran == [FAIL, RECORD] and CALLS == ["fail", "record"]
    assert "periodic task tests.test_periodic.fail failed" in caplog.text and "the task broke" in caplog.text
    assert not redis.exists(periodic._RUNNING.format(FAIL))  # its hold is let go


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_runs_due_tasks_until_stopped(redis):
    stop = threading.Event()
    thread = start_periodic(redis, stop, worker="thread-test")
    deadline = time.monotonic() + 10
    while "record" not in CALLS and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert CALLS.count("record") == 1  # its interval (60 s) has not passed


@pytest.mark.django_db(transaction=True)
def test_run_worker_burst_runs_the_due_tasks(redis, settings):
    settings.IMPORT_QUEUE = "geoportal-periodic-test"
    call_command("run_worker", "--burst")
    assert CALLS == ["record"]


def _check_ids(settings, value) -> list[str]:
    settings.PERIODIC_TASKS = value
    return [m.id for m in checks.run_checks() if m.id in ("geoportal.E030", "geoportal.E031")]


def test_bad_periodic_settings_fail_the_checks(settings):
    assert _check_ids(settings, [(RECORD, 60)]) == []
    assert _check_ids(settings, [("tests.test_periodic.no_such_task", 60)]) == ["geoportal.E030"]
    assert _check_ids(settings, [("tests.test_periodic.CALLS", 60)]) == ["geoportal.E030"]
    assert _check_ids(settings, [(RECORD, 0), (RECORD, "60"), "x"]) == ["geoportal.E031"] * 3
