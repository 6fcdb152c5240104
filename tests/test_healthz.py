import time

import pytest
from django.db import connection
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_reports_postgis_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")


@pytest.mark.django_db
def test_healthz_answers_503_with_reason_when_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "Connection refused" in response.json()["reason"]


@pytest.mark.django_db
def test_the_connection_health_check_notices_a_connection_the_server_closed():
    from django.db import connections

    wrapper = connections.create_connection("default")
    try:
        wrapper.ensure_connection()
        assert wrapper.is_usable()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])
        deadline = time.monotonic() + 5
        while wrapper.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not wrapper.is_usable()
    finally:
        wrapper.close()
