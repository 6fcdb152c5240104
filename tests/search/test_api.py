"""GET /api/search: ranking table, pinyin and typos, boosts, spatial filters, coordinates, OpenAPI."""
import pytest
from django.contrib.gis.geos import Point

from layers.services import feature_create
from tests.conftest import make_layer
from tests.search_data import CENTRE_SCHEMA

pytestmark = pytest.mark.django_db


def search(client, **params):
    response = client.get("/api/search", params)
    assert response.status_code == 200, response.content
    return response.json()["features"]


def names(features):
    return [f["properties"]["name"] for f in features]


@pytest.mark.parametrize("q, first, match", [
    ("南岗区", "南岗区", "exact"),
    ("南岗", "南岗区", "prefix"),             # the district outranks the centre named after it (boost, length)
    ("nangang", "南岗区", "prefix"),          # full pinyin
    ("ngq", "南岗区", "prefix"),              # pinyin initials
    ("NanGang", "南岗区", "prefix"),
    ("ＮＡＮＧＡＮＧ", "南岗区", "prefix"),    # full-width letters
    ("230102", "道里区", "exact"),            # district code
    ("11230100MB0000001C", "哈尔滨市政务服务中心", "exact"),  # credit code, exactly
    ("11230100mb0000001c", "哈尔滨市政务服务中心", "exact"),
    ("daoli", "道里区", "prefix"),
    ("Xiangfang District", "香坊区", "exact"),
    ("哈尔滨市政务", "哈尔滨市政务服务中心", "prefix"),
    ("市政务服务", "哈尔滨市政务服务中心", "contains"),
    ("Harbin Administrative", "哈尔滨市政务服务中心", "contains"),
    ("shizhengwu", "哈尔滨市政务服务中心", "contains"),   # pinyin of a word inside the name
    ("南刚区", "南岗区", "fuzzy"),            # a wrong character of the same sound
    ("nangagn", "南岗区", "fuzzy"),           # letters swapped
    ("xiangfnag", "香坊区", "fuzzy"),
    ("Daoli Distrcit", "道里区", "fuzzy"),
])
def test_ranking_table(client, search_world, q, first, match):
    results = search(client, q=q)
    assert results, f"nothing found for {q!r}"
    assert results[0]["properties"]["name"] == first, names(results)
    assert results[0]["properties"]["match"] == match


def test_exact_before_prefix_before_contains_before_fuzzy(client, departments):
    layer = make_layer("streets", departments["planning"], schema=CENTRE_SCHEMA)
    for name in ["老中央大街", "中央大街步行街", "中央大街", "中兴大街"]:
        feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": name})
    results = search(client, q="中央大街")
    assert names(results)[:3] == ["中央大街", "中央大街步行街", "老中央大街"]
    assert [f["properties"]["match"] for f in results[:3]] == ["exact", "prefix", "contains"]
    scores = [f["properties"]["score"] for f in results]
    assert scores == sorted(scores, reverse=True)


def test_the_current_view_boosts_what_lies_inside_it(client, search_world):
    in_daoli = search(client, q="区政务服务中心", bbox="126.50,45.70,126.60,45.80")
    in_nangang = search(client, q="区政务服务中心", bbox="126.60,45.70,126.68,45.76")
    assert in_daoli[0]["properties"]["name"] == "道里区政务服务中心"
    assert in_nangang[0]["properties"]["name"] == "南岗区政务服务中心"


def test_a_layer_marked_more_important_ranks_first(client, departments):
    plain = make_layer("plain", departments["planning"], schema=CENTRE_SCHEMA)
    important = make_layer("important", departments["planning"], schema=CENTRE_SCHEMA, search_boost=3.0)
    for layer in (plain, important):
        feature_create(layer=layer, geometry=Point(126.6, 45.7, srid=4326), properties={"name": "松花江公园"})
    results = search(client, q="松花江")
    assert [f["properties"]["layer"] for f in results] == ["important", "plain"]


def test_result_carries_layer_matched_field_score_and_geometry(client, search_world):
    result = search(client, q="11230103MB1234567A")[0]
    props = result["properties"]
    assert props["layer"] == "service-centres"
    assert props["layer_title"] == "service-centres 图层"
    assert props["matched_field"] == "credit_code"
    assert props["score"] > 4
    assert props["attributes"]["hours"] == "9:00-17:00"
    assert result["geometry"] == {"type": "Point", "coordinates": [126.65, 45.74]}
    district = search(client, q="道里区")[0]
    assert district["geometry"]["type"] == "MultiPolygon"
    assert district["bbox"] == [126.5, 45.7, 126.6, 45.8]
    assert search(client, q="道里区", geometry="point")[0]["geometry"]["type"] == "Point"


def test_within_a_district(client, search_world):
    results = search(client, q="政务服务中心", within="230102")
    assert names(results) == ["道里区政务服务中心"]
    everything = search(client, within="230103", layers="service-centres")
    assert sorted(names(everything)) == ["南岗区政务服务中心", "哈尔滨市政务服务中心"]


def test_within_n_metres_of_a_point(client, search_world):
    near = search(client, near="126.65,45.74", radius=500)
    assert names(near) == ["南岗区政务服务中心"]
    ordered = search(client, near="126.66,45.735", radius=5000, layers="service-centres")
    assert names(ordered) == ["南岗区政务服务中心", "哈尔滨市政务服务中心"]  # nearest first
    assert ordered[0]["properties"]["distance_m"] < ordered[1]["properties"]["distance_m"]


def test_within_a_drawn_area_combined_with_text_and_layer(client, search_world):
    ring = "126.64,45.71,126.70,45.71,126.70,45.75,126.64,45.75"
    assert sorted(names(search(client, area=ring, layers="service-centres"))) == ["南岗区政务服务中心",
                                                                                  "哈尔滨市政务服务中心"]
    assert names(search(client, q="哈尔滨", area=ring)) == ["哈尔滨市政务服务中心"]
    assert names(search(client, q="道里", area=ring)) == []


def test_districts_are_listed_for_the_place_picker(client, search_world):
    results = search(client, layers="districts", geometry="point", limit=50)
    assert sorted(f["properties"]["attributes"]["code"] for f in results) == ["230102", "230103", "230110"]


def test_a_typed_coordinate_is_a_point(client, search_world):
    (point,) = search(client, q="45°45'N 126°38'E")
    assert point["properties"]["match"] == "coordinate"
    assert point["geometry"]["coordinates"] == pytest.approx([126 + 38 / 60, 45.75])


def test_gcj02_input_is_converted_to_wgs84(client):
    (plain,) = search(client, q="126.6460, 45.7519")
    (converted,) = search(client, q="126.6460, 45.7519", crs="gcj02")
    lon, lat = converted["geometry"]["coordinates"]
    assert converted["properties"]["crs_input"] == "gcj02"
    # About 500 m west and 200 m south in Harbin.
    assert 0.004 < plain["geometry"]["coordinates"][0] - lon < 0.008
    assert 0.001 < plain["geometry"]["coordinates"][1] - lat < 0.003


def test_an_ambiguous_pair_searches_text_and_says_why(client, search_world):
    body = client.get("/api/search", {"q": "45 46"}).json()
    assert body["features"] == []
    assert "latitude, longitude or the reverse" in body["notice"]


@pytest.mark.parametrize("params, message", [
    ({}, "Type something to search for"),
    ({"q": "x", "bbox": "1,2,3"}, "bbox must be west,south,east,north"),
    ({"q": "x", "near": "126.6"}, "near must be lon,lat"),
    ({"q": "x", "near": "126.6,45.7", "radius": "-5"}, "radius must be between"),
    ({"q": "x", "near": "126.6,45.7", "radius": "nan"}, "radius must be between"),
    ({"q": "x", "area": "1,2,3,4"}, "area must be 3 to"),
    ({"q": "x", "within": "999999"}, "No district has the code"),
    ({"q": "x", "layers": "no-such-layer"}, "No such layer: no-such-layer"),
    ({"q": "x", "limit": "0"}, "limit must be between 1 and 50"),
    ({"q": "x", "limit": "many"}, "limit must be a whole number"),
])
def test_bad_parameters_get_a_message(client, search_world, params, message):
    response = client.get("/api/search", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_endpoint_is_in_the_served_openapi_schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/search"]["get"]
    assert operation["operationId"] == "search"
    assert {p["name"] for p in operation["parameters"]} >= {"q", "bbox", "layers", "near", "radius", "within",
                                                            "area", "limit", "crs"}
