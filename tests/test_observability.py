"""Observability (geoportal/observability): request ids, SQL comments, JSON logs, /metrics, /readyz,
the worker's heartbeat and the request id carried into queued jobs."""
from __future__ import annotations

import json
import logging

import pytest
import redis
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from geoportal.observability.context import request_id
from geoportal.observability.logs import JsonFormatter
from geoportal.observability.middleware import DatabaseTimer
from layers.io.queue import enqueue, import_queue
from layers.io.worker import beat, heartbeat_key
from layers.services import feature_create
from tests.conftest import make_layer


def enqueue_as(rid: str, function: str, rq_id: str):
    """Queue `function` as a request with id `rid` would (the queue emptied first), and the queue."""
    queue = import_queue()
    queue.empty()
    token = request_id.set(rid)
    try:
        enqueue(function, "x", rq_id=rq_id)
    finally:
        request_id.reset(token)
    return queue


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(heartbeat_key())
    yield client
    client.delete(heartbeat_key())


@pytest.mark.django_db
def test_a_valid_request_id_is_echoed_and_a_bad_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.x_Y")["X-Request-ID"] == "abc-123.x_Y"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="x */ DROP TABLE t; --")["X-Request-ID"]
    assert replaced != "x */ DROP TABLE t; --" and len(replaced) == 32
    assert client.get("/healthz")["X-Request-ID"] != replaced


@pytest.mark.django_db
def test_statements_carry_the_request_id_as_a_comment_and_their_time_is_counted():
    timer = DatabaseTimer("req-42")
    with connection.execute_wrapper(timer), connection.cursor() as cursor:
        cursor.execute("SELECT current_query()")
        assert cursor.fetchone()[0].endswith("/* request_id=req-42 */")
        cursor.execute("SELECT pg_sleep(0.05)")
    assert timer.seconds >= 0.05


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_route_status_and_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="geoportal.request"):
        client.get("/healthz", HTTP_X_REQUEST_ID="log-me")
    record = next(r for r in caplog.records if r.name == "geoportal.request")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "log-me" and line["route"] == "healthz" and line["status"] == 200
    assert line["method"] == "GET" and line["level"] == "INFO" and line["duration_ms"] >= 0
    assert {"time", "logger", "message", "user_id", "db_ms"} <= set(line)


def test_log_lines_outside_a_request_carry_the_context_request_id():
    token = request_id.set("job-ctx")
    try:
        record = logging.LogRecord("layers.io", logging.INFO, __file__, 1, "importing", None, None)
        assert json.loads(JsonFormatter().format(record))["request_id"] == "job-ctx"
    finally:
        request_id.reset(token)


@pytest.mark.django_db
def test_metrics_count_requests_by_route_not_by_path(client, departments, clean_tile_cache):
    layer = make_layer("clinics", departments["planning"], schema=[{"name": "name", "type": "string"}])
    feature_create(layer=layer, geometry=Point(126.63, 45.75, srid=4326), properties={"name": "a"})
    for x in (1, 2, 3):
        client.get(f"/tiles/{layer.slug}/3/{x}/2.mvt")
    client.get(f"/tiles/{layer.slug}/3/1/2.mvt")  # now cached: a hit
    text = client.get("/metrics").content.decode()
    assert 'route="tiles:tile"' in text and "/3/1/2" not in text and layer.slug not in text
    assert 'geoportal_http_request_duration_seconds_bucket{le="0.005",route="tiles:tile"}' in text
    assert 'geoportal_db_time_seconds_count{route="tiles:tile"}' in text
    assert 'geoportal_tile_cache_total{path="django",result="miss"}' in text
    assert 'geoportal_tile_cache_total{path="django",result="hit"}' in text
    assert "geoportal_job_queue_depth" in text and "geoportal_job_queue_oldest_age_seconds" in text


@pytest.mark.django_db
def test_metrics_are_refused_outside_the_allowed_networks_unless_the_token_is_given(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    allowed = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert allowed.status_code == 200 and b"geoportal_http_requests_total" in allowed.content
    settings.METRICS_ALLOWED_IPS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
def test_readyz_needs_a_fresh_worker_heartbeat(client, redis_client, settings):
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["worker"]
    beat(redis_client)
    body = client.get("/readyz").json()
    assert body["status"] == "ready" and body["checks"]["database"]["ready"]
    assert body["checks"]["replica"] == {"ready": True, "lag_seconds": None, "detail": "not configured"}
    redis_client.set(heartbeat_key(), "1000")  # a worker that stopped long ago
    assert client.get("/readyz").json()["failed"] == ["worker"]


@pytest.mark.django_db
def test_redis_down_makes_readyz_503_naming_redis_while_healthz_stays_200(client, redis_client, settings):
    beat(redis_client)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503 and "redis" in response.json()["failed"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_carries_the_request_id_and_counts_in_the_queue_depth(settings, client):
    settings.IMPORT_JOBS_SYNC = False
    queue = enqueue_as("enqueuer-7", "layers.io.importer.run_import", "import-test-meta")
    try:
        assert queue.fetch_job("import-test-meta").meta["request_id"] == "enqueuer-7"
        assert "geoportal_job_queue_depth 1.0" in client.get("/metrics").content.decode()
    finally:
        queue.empty()


def current_request_id(job_id: str) -> str | None:
    """A job that answers the request id it runs under."""
    return request_id.get()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_job_under_the_request_id_it_was_queued_with(settings):
    from layers.io.worker import RequestIdWorker

    settings.IMPORT_JOBS_SYNC = False
    queue = enqueue_as("from-request-9", "tests.test_observability.current_request_id", "import-test-worker")
    RequestIdWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=False)
    assert queue.fetch_job("import-test-worker").return_value() == "from-request-9"
