"""schemathesis against both API definitions (in process, WSGI): no request may cause a 5xx."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from layers.api.models import ApiToken
from layers.api.tokens import token_issue

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))  # more: a longer local search


def enumerable(operation) -> bool:
    """Whether hypothesis can list every input of the operation in fewer than EXAMPLES cases: no
    body, and each parameter an enum or a boolean (so it rightly stops early)."""
    definition = operation.definition.resolved
    if definition.get("requestBody"):
        return False
    for parameter in definition.get("parameters", []) + operation.definition.raw.get("parameters", []):
        schema = parameter.get("schema", {}) if isinstance(parameter, dict) else {}
        if "$ref" in parameter:
            return False
        if "enum" not in schema and schema.get("type") != "boolean":
            return False
    return True


@dataclass
class FuzzRun:
    failures: list[str] = field(default_factory=list)
    cases: Counter = field(default_factory=Counter)  # "METHOD /path" -> requests sent
    few_inputs: set[str] = field(default_factory=set)  # operations whose inputs are all enumerable
    statuses: Counter = field(default_factory=Counter)  # status code -> responses

    def thin(self) -> list[str]:
        """Operations that got fewer requests than asked for (a strategy filtered too much)."""
        return [f"{name}: {count}" for name, count in self.cases.items()
                if count < EXAMPLES and name not in self.few_inputs]


def fuzz(schema, headers: dict[str, str] | None = None, known: dict[str, object] | None = None) -> FuzzRun:
    """Run every operation with EXAMPLES generated requests; count them and keep the failures.

    Generated path parameters name layers and features that do not exist, so the requests end in
    404 before any validation: two cases in three use `known` values instead (a real layer and
    feature) and so reach the handlers. DELETE keeps its generated ones (it would remove them)."""
    seen = FuzzRun()
    known = known or {}
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        seen.cases[name] += 0
        if enumerable(operation):
            seen.few_inputs.add(name)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            name = f"{case.method.upper()} {case.operation.path}"
            if case.path_parameters and case.method != "DELETE" and seen.cases[name] % 3 != 2:
                case.path_parameters.update({key: value for key, value in known.items()
                                             if key in case.path_parameters})
            response = case.call_wsgi(headers=headers)
            seen.cases[name] += 1
            seen.statuses[response.status_code] += 1
            try:
                not_a_server_error(None, response, case)
            except AssertionError:
                seen.failures.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")

        run()
    print(f"schemathesis: {sum(seen.cases.values())} requests over {len(seen.cases)} operations; "
          f"statuses {dict(sorted(seen.statuses.items()))}")
    return seen


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


# The operations each definition must hold: a new endpoint that drops out of the definition (and
# so out of the fuzzing) fails here.
REST_OPERATIONS = {"GET /api/layers/", "GET /api/layers/{slug}/", "GET /api/layers/{slug}/features/",
                   "POST /api/layers/{slug}/features/", "PATCH /api/layers/{slug}/features/{feature_id}/",
                   "GET /api/layers/{slug}/export", "GET /api/imports/", "POST /api/imports/",
                   "POST /api/prints/", "GET /api/prints/{id}/", "GET /api/search"}
OGC_OPERATIONS = {"GET /collections/schools/items", "POST /collections/schools/items",
                  "PATCH /collections/schools/items/{featureId}", "GET /collections/schools/queryables",
                  "GET /collections/schools/map", "GET /map", "GET /tileMatrixSets",
                  "GET /collections/schools/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"}


def _known(layer) -> dict[str, object]:
    feature_id = layer.features.order_by("pk").values_list("pk", flat=True).first()
    return {"slug": layer.slug, "feature_id": feature_id, "featureId": str(feature_id)}


def test_rest_schema_no_server_errors(app, school_layer, write_token):
    schema = schemathesis.from_wsgi("/api/schema/?format=json", app)
    run = fuzz(schema, write_token, _known(school_layer))
    assert REST_OPERATIONS <= set(run.cases), REST_OPERATIONS - set(run.cases)
    assert "GET /api/search" not in run.few_inputs and "GET /api/layers/" in run.few_inputs
    assert run.failures == []
    assert run.thin() == []


def test_ogc_api_no_server_errors(app, school_layer, write_token):
    schema = schemathesis.from_wsgi("/ogc/api?f=json", app, base_url="/ogc")
    run = fuzz(schema, write_token, _known(school_layer))
    assert OGC_OPERATIONS <= set(run.cases), OGC_OPERATIONS - set(run.cases)
    assert "GET /collections/schools/items" not in run.few_inputs and "GET /conformance" in run.few_inputs
    assert run.failures == []
    assert run.thin() == []
