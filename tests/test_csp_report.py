"""/csp-report: a browser's violation report is logged and counted; an oversized, malformed or
too frequent one is refused with a clear status before it costs anything."""
import json

import pytest
from django.core.cache import cache

from geoportal.security.reports import MAX_REPORT_BYTES, VIOLATIONS

REPORT = {"csp-report": {"document-uri": "http://testserver/", "violated-directive": "script-src-elem",
                         "effective-directive": "script-src-elem", "blocked-uri": "inline",
                         "script-sample": "alert(document.cookie)" * 10, "disposition": "enforce"}}


@pytest.fixture(autouse=True)
def _fresh_rate(db):
    cache.clear()


def _post(client, body, **extra):
    return client.post("/csp-report", body, content_type="application/csp-report", **extra)


def test_a_report_is_logged_and_counted(client, caplog):
    before = VIOLATIONS.labels(directive="script-src-elem")._value.get()
    with caplog.at_level("WARNING", logger="geoportal.csp"):
        response = _post(client, json.dumps(REPORT))
    assert response.status_code == 204
    assert VIOLATIONS.labels(directive="script-src-elem")._value.get() == before + 1
    record = next(r for r in caplog.records if r.name == "geoportal.csp")
    assert record.csp["blocked-uri"] == "inline" and len(record.csp["script-sample"]) == 80
    assert "http://testserver/" in record.getMessage()


def test_an_unknown_directive_does_not_make_a_new_metric_label(client):
    before = VIOLATIONS.labels(directive="other")._value.get()
    body = {"csp-report": {"effective-directive": "x" * 300}}
    assert _post(client, json.dumps(body)).status_code == 204
    assert VIOLATIONS.labels(directive="other")._value.get() == before + 1


@pytest.mark.parametrize("body, status", [
    ("not json", 400),
    (json.dumps({"no": "report"}), 400),
    (json.dumps(["csp-report"]), 400),
    (json.dumps({"csp-report": "x" * (MAX_REPORT_BYTES + 1)}), 413),
])
def test_bad_reports_are_refused(client, body, status):
    response = _post(client, body)
    assert response.status_code == status
    assert response.json()["error"]


def test_get_is_not_allowed(client):
    assert client.get("/csp-report").status_code == 405


def test_reports_are_rate_limited_per_address(client, settings):
    settings.CSP_REPORT_RATE = 3
    statuses = [_post(client, json.dumps(REPORT), REMOTE_ADDR="10.9.9.9").status_code for _ in range(5)]
    assert statuses == [204, 204, 204, 429, 429]
    assert _post(client, json.dumps(REPORT), REMOTE_ADDR="10.9.9.8").status_code == 204
