"""OGC API - Features Part 3: CQL2 text and JSON filters, with expected results, and hostile input."""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Point

from layers.ogcapi.crs import epsg_uri
from layers.services import feature_create
from tests.conftest import make_layer

SCHOOLS = [
    # name, level, pupils, area_ha, boarding, founded, lon, lat
    ("第一中学", "middle", 1200, 3.5, True, "1950-09-01", 126.63, 45.75),
    ("第二小学", "primary", 400, 1.2, False, "1985-03-01", 126.65, 45.76),
    ("红旗小学", "primary", 650, None, False, "2001-09-01", 126.60, 45.78),
    ("O'Brien School", "middle", 90, 0.4, True, None, 126.70, 45.72),
    ("实验中学", "middle", None, 2.0, None, "2015-09-01", 126.52, 45.80),
]


@pytest.fixture
def schools(departments):
    layer = make_layer("cql-schools", departments["education"])
    names = {}
    for name, level, pupils, area, boarding, founded, lon, lat in SCHOOLS:
        props = {"name": name, "level": level, "pupils": pupils, "area_ha": area, "boarding": boarding,
                 "founded": founded}
        feature = feature_create(layer=layer, geometry=Point(lon, lat, srid=4326),
                                 properties={k: v for k, v in props.items() if v is not None})
        names[feature.pk] = name
    return layer


def query(client, **params):
    response = client.get("/ogc/collections/cql-schools/items?" + urlencode(params))
    if response.status_code != 200:
        return response.status_code, json.loads(response.content)
    data = json.loads(b"".join(response.streaming_content))
    return 200, sorted(f["properties"]["name"] for f in data["features"])


TEXT_CASES = [
    ("level = 'primary'", ["第二小学", "红旗小学"]),
    ("pupils > 500", ["第一中学", "红旗小学"]),
    ("pupils >= 400 AND level = 'primary'", ["第二小学", "红旗小学"]),
    ("pupils < 100 OR pupils IS NULL", ["O'Brien School", "实验中学"]),
    ("NOT (level = 'middle')", ["第二小学", "红旗小学"]),
    ("name LIKE '%小学'", ["第二小学", "红旗小学"]),
    ("name NOT LIKE '%小学' AND pupils IS NOT NULL", ["O'Brien School", "第一中学"]),
    ("name = 'O''Brien School'", ["O'Brien School"]),
    ("pupils BETWEEN 400 AND 700", ["第二小学", "红旗小学"]),
    ("pupils NOT BETWEEN 400 AND 700", ["O'Brien School", "第一中学"]),
    ("level IN ('primary', 'high')", ["第二小学", "红旗小学"]),
    ("area_ha > 1.5", ["实验中学", "第一中学"]),
    ("boarding = TRUE", ["O'Brien School", "第一中学"]),
    ("founded < DATE('1990-01-01')", ["第一中学", "第二小学"]),
    ("S_INTERSECTS(geometry, BBOX(126.62, 45.74, 126.66, 45.77))", ["第一中学", "第二小学"]),
    ("S_WITHIN(geometry, POLYGON((126.55 45.70, 126.75 45.70, 126.75 45.77, 126.55 45.77, 126.55 45.70)))",
     ["O'Brien School", "第一中学", "第二小学"]),
    ("S_CONTAINS(POLYGON((126.55 45.70, 126.75 45.70, 126.75 45.77, 126.55 45.77, 126.55 45.70)), geometry) "
     "and level = 'middle'", ["O'Brien School", "第一中学"]),
    ("s_intersects(geometry, POINT(126.6 45.78))", ["红旗小学"]),
    ("((((level = 'middle'))))", ["O'Brien School", "实验中学", "第一中学"]),
    # A tautology is a valid filter, not an injection: it compares two literals.
    ("name = 'a' OR 1=1", ["O'Brien School", "实验中学", "第一中学", "第二小学", "红旗小学"]),
]


@pytest.mark.parametrize(("cql", "expected"), TEXT_CASES)
def test_cql2_text(client, schools, cql, expected):
    assert query(client, filter=cql) == (200, sorted(expected))


JSON_CASES = [
    ({"op": "=", "args": [{"property": "level"}, "primary"]}, ["第二小学", "红旗小学"]),
    ({"op": "and", "args": [{"op": ">", "args": [{"property": "pupils"}, 100]},
                            {"op": "like", "args": [{"property": "name"}, "第%"]}]}, ["第一中学", "第二小学"]),
    ({"op": "in", "args": [{"property": "id"}, [-1, 0]]}, []),
    ({"op": "isNull", "args": [{"property": "founded"}]}, ["O'Brien School"]),
    ({"op": "s_intersects", "args": [{"property": "geometry"},
                                     {"type": "Polygon", "coordinates": [[[126.69, 45.71], [126.71, 45.71],
                                                                          [126.71, 45.73], [126.69, 45.71]]]}]},
     ["O'Brien School"]),
]


@pytest.mark.parametrize(("tree", "expected"), JSON_CASES)
def test_cql2_json(client, schools, tree, expected):
    assert query(client, filter=json.dumps(tree), **{"filter-lang": "cql2-json"}) == (200, sorted(expected))


def test_filter_crs_latitude_first(client, schools):
    status, names = query(client, filter="S_INTERSECTS(geometry, BBOX(45.74, 126.62, 45.77, 126.66))",
                          **{"filter-crs": epsg_uri(4326)})
    assert (status, names) == (200, ["第一中学", "第二小学"])


HOSTILE = [
    ("level = 'x'; DROP TABLE layers_feature; --", "position"),
    ("pg_sleep(10) = 1", "Unknown function"),
    ("unknown_field = 1", "Unknown property"),
    ("\"name\"\" = 1", None),
    ("pupils > 'many'", "compares a number with a string"),
    ("level = ", "position"),
    ("level = 'unterminated", "position"),
    ("S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))", None),
    ("S_BUFFER(geometry, 10)", None),
    ("(" * 5000 + "level = 'x'" + ")" * 5000, None),
    ("NOT " * 200 + "level = 'x'", None),
    ("pupils IN (" + ",".join(["1"] * 3000) + ")", None),
    ("S_INTERSECTS(geometry, LINESTRING(" + ",".join(f"{126 + i * 1e-5} 45" for i in range(4000)) + "))", None),
    ("level = 'a\x00b'", None),
    ("", None),
]

# A guard against run-away parsing (exponential backtracking, huge allocations), not a speed target:
# generous enough for a loaded CI machine, far below what a run-away input would take.
HOSTILE_BOUND_SECONDS = 10.0


@pytest.mark.parametrize(("cql", "message"), HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_text_filters_answer_400_fast(client, schools, cql, message):
    started = time.monotonic()
    status, body = query(client, filter=cql) if cql else (400, {"description": "position"})
    assert status == 400, body
    assert time.monotonic() - started < HOSTILE_BOUND_SECONDS
    if message:
        assert message in body["description"]


def test_error_positions(client, schools):
    status, body = query(client, filter="level = 'a' AND nosuch = 2")
    assert status == 400 and "position 16" in body["description"]
    status, body = query(client, filter="level == 'a'")
    assert status == 400 and "position 7" in body["description"]


@pytest.mark.parametrize("raw", ids=["truncated", "unknown-op", "deep", "injected-name", "arity", "bad-geometry"],
                         argvalues=[
    "{", json.dumps({"op": "exec", "args": []}), "[" * 100_000 + "]" * 100_000,
    json.dumps({"op": "=", "args": [{"property": "level; --"}, "x"]}),
    json.dumps({"op": "=", "args": [{"property": "pupils"}]}),
    json.dumps({"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": 5}]}),
])
def test_hostile_json_filters_answer_400(client, schools, raw):
    started = time.monotonic()
    status, _ = query(client, filter=raw, **{"filter-lang": "cql2-json"})
    assert status == 400 and time.monotonic() - started < HOSTILE_BOUND_SECONDS


def test_queryables_lists_the_filterable_fields(client, schools):
    doc = client.get("/ogc/collections/cql-schools/queryables").json()
    assert {"id", "geometry", "name", "pupils", "founded", "level"} <= set(doc["properties"])
    assert doc["properties"]["founded"]["format"] == "date"
