"""Hostile search input answers quickly (bounded work, a statement time limit) and safely: SQL
fragments, LIKE wildcards, regex syntax, control characters and very long strings are plain text."""
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.models import Feature
from layers.search.text import normalise
from layers.services import feature_create
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db

HOSTILE = [
    "'; DROP TABLE layers_feature; --", "' OR '1'='1", "南岗' OR 1=1 --", "%", "%%", "_", "__", "%_%", "\\", "\\%",
    ".*", "(a|b)+$", "[[:alpha:]]", "^南岗.*$", "(?i)x", "\x00", "南岗\x00区", "\x01\x02\x1f", "\u202e南岗",
    "\ufeff", "😀🚀", "\t\n\r", "a" * 400, "南" * 400, "%" * 400, "ab" * 200, "$1", "%(q)s", "{q}", "::text",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer_quickly_and_safely(client, search_world, q):
    # Bounded work rather than wall-clock time (the machine may be busy): a few statements, each
    # under the search's statement time limit (test_a_search_past_its_time_limit_says_so).
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/search", {"q": q})
    assert len(queries) <= 5
    if normalise(q) == "":
        assert response.status_code == 400
        assert response.json()["error"].startswith("Type something to search for")
        return
    assert response.status_code == 200, response.content
    results = response.json()["features"]
    # Wildcards match themselves only: nothing here contains them.
    if q.strip("%_\\") == "":
        assert results == []
    assert Feature.objects.count() == 6


def test_control_characters_are_ignored_not_matched(client, search_world):
    results = client.get("/api/search", {"q": "南岗\x00区"}).json()["features"]
    assert results and results[0]["properties"]["name"] == "南岗区"


def test_a_literal_percent_is_found_as_a_percent(client, search_world, departments):
    schema = [{"name": "name", "type": "string", "searchable": True}]
    layer = make_layer("rates", departments["planning"], schema=schema)
    feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "利率5%_优惠"})
    results = client.get("/api/search", {"q": "5%_"}).json()["features"]
    assert [f["properties"]["name"] for f in results] == ["利率5%_优惠"]
    assert client.get("/api/search", {"q": "5%%"}).json()["features"] == []


def test_the_query_length_is_limited_with_a_message(client, search_world):
    response = client.get("/api/search", {"q": "a" * 401})
    assert response.status_code == 400
    assert response.json()["error"] == "The search text is limited to 400 characters."


def test_a_search_past_its_time_limit_says_so(client, search_world, monkeypatch):
    monkeypatch.setattr("layers.search.query.STATEMENT_TIMEOUT_MS", 1)
    monkeypatch.setattr("layers.search.query.TIER_CAP", {4: 50, 3: 100, 2: 100, 1: 50, 0: 10**9})
    # pg_sleep stands in for a slow statement: the area test is evaluated per row, with a sleep.
    monkeypatch.setattr("layers.search.query._spatial_sql", lambda spatial: " AND pg_sleep(0.01) IS NOT NULL")
    response = client.get("/api/search", {"q": "", "layers": "districts"})
    assert response.status_code == 503
    assert response.json()["error"].startswith("The search took too long")
