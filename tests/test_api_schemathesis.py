"""schemathesis against both API definitions (in process, WSGI): no request may cause a 5xx."""
from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from layers.api.models import ApiToken
from layers.api.tokens import token_issue

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))  # more: a longer local search


def fuzz(schema, headers: dict[str, str] | None = None) -> list[str]:
    """Run every operation with EXAMPLES generated requests; return the failures seen."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call_wsgi(headers=headers)
            try:
                not_a_server_error(None, response, case)
            except AssertionError:
                failures.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")

        run()
    return failures


@pytest.fixture
def app():
    """The WSGI app, keeping the test's database connection open across requests (as Django's
    test client does), so that every request sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_token(school_layer) -> dict[str, str]:
    """Writes are fuzzed too: with a token that may change the layer, bodies reach validation."""
    _, raw = token_issue(name="fuzzer", scope=ApiToken.Scope.WRITE, layers=[school_layer])
    return {"Authorization": f"Bearer {raw}"}


def test_rest_schema_no_server_errors(app, school_layer, write_token):
    schema = schemathesis.from_wsgi("/api/schema/?format=json", app)
    assert len(list(schema.get_all_operations())) >= 7
    assert fuzz(schema, write_token) == []


def test_ogc_api_no_server_errors(app, school_layer, write_token):
    schema = schemathesis.from_wsgi("/ogc/api?f=json", app, base_url="/ogc")
    assert len(list(schema.get_all_operations())) >= 8
    assert fuzz(schema, write_token) == []
