"""Import jobs on the real queue: RQ on Redis, worked in-process by RQ's SimpleWorker."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from rq import SimpleWorker

from layers.io import importer
from layers.io.models import ImportJob
from layers.io.queue import import_queue
from layers.io.services import import_jobs_recover
from layers.models import Feature, Layer
from tests.io_samples import write_geojson

QUEUE = "geoportal-imports-test-" + os.environ.get("GEOPORTAL_DB_NAME", "geoportal")


@pytest.fixture
def queue(settings):
    settings.IMPORT_JOBS_SYNC = False
    settings.IMPORT_QUEUE = QUEUE
    q = import_queue()
    q.empty()
    yield q
    q.empty()


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_is_run_by_the_worker(client, users, queue, tmp_path):
    client.force_login(users["planning_manager"])
    with open(write_geojson(tmp_path), "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": "队列"})
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "queued"
    assert queue.count == 1
    work_dir = Path(ImportJob.objects.get(pk=body["id"]).work_dir)
    assert work_dir.exists()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    job = client.get(body["url"]).json()
    assert job["state"] == "succeeded", job
    assert job["phase"] == "done" and job["progress"]["percent"] == 100.0
    assert Feature.objects.filter(layer__slug=job["layer"]["slug"]).count() == 3
    assert not work_dir.exists()


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_queued_job(client, users, queue, tmp_path):
    client.force_login(users["planning_manager"])
    with open(write_geojson(tmp_path), "rb") as handle:
        body = client.post("/api/imports/", {"file": handle, "title": "取消"}).json()
    response = client.delete(body["url"])
    assert response.json()["state"] == "cancelled"
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    job = ImportJob.objects.get(pk=body["id"])
    assert job.state == "cancelled" and job.layer is None
    assert not Path(job.work_dir).exists()
    assert not Feature.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_cancel_while_running_leaves_nothing(client, users, settings, tmp_path, monkeypatch):
    """A cancel arriving during the write phase rolls the whole import back."""
    client.force_login(users["planning_manager"])
    real_write = importer.write_features

    def write_then_cancel(**kwargs):
        counts = real_write(**kwargs)
        ImportJob.objects.update(cancel_requested=True)  # as DELETE /api/imports/{id}/ does
        return counts

    monkeypatch.setattr(importer, "write_features", write_then_cancel)
    with open(write_geojson(tmp_path), "rb") as handle:
        body = client.post("/api/imports/", {"file": handle, "title": "中途取消"}).json()
    job = client.get(body["url"]).json()
    assert job["state"] == "cancelled" and "nothing was written" in job["error"]
    assert not Feature.objects.exists()
    assert not Layer.objects.filter(title_zh="中途取消").exists()


@pytest.mark.django_db
def test_run_worker_command_exists(queue):
    call_command("run_worker", "--burst")


@pytest.mark.django_db
def test_jobs_of_a_dead_worker_are_failed_and_cleaned(queue, users, tmp_path):
    folder = tmp_path / "job"
    folder.mkdir()
    job = ImportJob.objects.create(mode="new", source_name="a.gpkg", source_format="gpkg", state="running",
                                   work_dir=str(folder), created_by=users["planning_manager"])
    assert import_jobs_recover() == 1
    job.refresh_from_db()
    assert job.state == "failed" and "worker stopped" in job.error
    assert not folder.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_write_transaction_is_open(client, users, tmp_path, monkeypatch):
    """The job's percent covers the write too, and another connection (the browser's polling) sees
    it move before the write commits."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    client.force_login(users["planning_manager"])
    monkeypatch.setattr(importer._Progress, "INTERVAL", 0)
    real_call = importer._Progress.__call__
    observer = connections.create_connection(DEFAULT_DB_ALIAS)
    seen: list[tuple[bool, float, float]] = []  # (inside the write transaction, written, read elsewhere)

    def recording(self, fraction):
        real_call(self, fraction)
        with observer.cursor() as cursor:
            cursor.execute("SELECT fraction FROM layers_io_importjob WHERE id = %s", [self.job.pk])
            seen.append((connection.in_atomic_block, self.job.fraction, cursor.fetchone()[0]))

    monkeypatch.setattr(importer._Progress, "__call__", recording)
    try:
        with open(write_geojson(tmp_path), "rb") as handle:
            body = client.post("/api/imports/", {"file": handle, "title": "进度"}).json()
    finally:
        observer.close()
    during_write = [(written, read) for inside, written, read in seen if inside]
    assert len(during_write) >= 4, seen  # features inserted, search rows sent, indexed, statistics
    assert all(read == written for written, read in during_write)
    assert 0.1 < during_write[0][0] < during_write[-1][0] < 1.0  # the commit is the rest
    fractions = [written for _, written, _ in seen]
    assert fractions == sorted(fractions)
    job = client.get(body["url"]).json()
    assert job["state"] == "succeeded" and job["progress"]["percent"] == 100.0


@pytest.mark.django_db
def test_time_left_follows_the_whole_job(users):
    from datetime import timedelta

    from django.utils import timezone

    from layers.io.api.views import job_payload

    job = ImportJob.objects.create(mode="new", source_name="a.gpkg", source_format="gpkg", state="running",
                                   rows_done=1000, rows_total=1000, fraction=0.25,
                                   started_at=timezone.now() - timedelta(seconds=30))
    progress = job_payload(job)["progress"]
    assert progress["percent"] == 25.0 and progress["rows_done"] == 1000  # all rows read, a quarter done
    assert 89 < progress["seconds_left"] < 92
