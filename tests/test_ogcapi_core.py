"""OGC API - Features Part 1, read by real clients: GDAL's OAPIF driver and OWSLib."""
from __future__ import annotations

import json
import subprocess

import pytest
from django.contrib.gis.geos import Point, Polygon
from owslib.ogcapi.features import Features

from layers.models import Layer
from layers.services import FeatureInput, features_bulk_create
from tests.conftest import make_layer

PARCEL_SCHEMA = [
    {"name": "code", "type": "string", "required": True},
    {"name": "area", "type": "decimal"},
    {"name": "zone", "type": "choice", "choices": ["r", "c"]},
]


@pytest.fixture
def ogc_layers(school_layer, departments):
    parcels = make_layer("parcels", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                         schema=PARCEL_SCHEMA, theme="planning")
    rows = []
    for i in range(250):
        x, y = 126.55 + (i % 25) * 0.004, 45.70 + (i // 25) * 0.004
        rows.append(FeatureInput(Polygon.from_bbox((x, y, x + 0.002, y + 0.002)),
                                 {"code": f"P{i:03d}", "area": i * 1.5, "zone": "r" if i % 2 else "c"}))
    features_bulk_create(layer=parcels, rows=rows)
    hidden = make_layer("secret-plans", departments["planning"], visibility=Layer.Visibility.DEPARTMENT)
    features_bulk_create(layer=hidden, rows=[FeatureInput(Point(126.6, 45.7), {"name": "x", "level": "primary"})])
    return {"schools": school_layer, "parcels": parcels, "hidden": hidden}


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def get_json(client, url: str, **headers) -> dict:
    response = client.get(url, **headers)
    assert response.status_code == 200, body(response)
    return json.loads(body(response))


def gdal(*args: str, debug: list[str] | None = None) -> str:
    """Run a GDAL program; with `debug`, collect its debug log (the URLs it fetched)."""
    env = {"GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "ON" if debug is not None else "OFF", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    if debug is not None:
        debug.extend(done.stderr.splitlines())
    return done.stdout


def gdal_geojson(url: str, layer: str, *extra: str, debug: list[str] | None = None) -> dict:
    return json.loads(gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{url}", layer, *extra, debug=debug))


def test_gdal_lists_reads_filters_and_copies(live_server, ogc_layers, tmp_path):
    url = live_server.url + "/ogc"
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{url}")
    assert "schools" in listing and "parcels" in listing
    assert "secret-plans" not in listing  # hidden collections are never listed

    for slug, layer in (("schools", ogc_layers["schools"]), ("parcels", ogc_layers["parcels"])):
        data = gdal_geojson(url, slug)
        assert len(data["features"]) == layer.feature_count
        expected = {f["name"] for f in layer.schema}
        assert expected <= set(data["features"][0]["properties"])

    # bbox: the lower-left 5 x 2 parcels; attribute filter: only the "c" zone.
    box = gdal_geojson(url, "parcels", "-spat", "126.549", "45.699", "126.5685", "45.7055")
    assert len(box["features"]) == 10
    fetched: list[str] = []
    zone_c = gdal_geojson(url, "parcels", "-where", "zone = 'c'", debug=fetched)
    assert any("/items?" in line and "zone=c" in line for line in fetched)  # filtered by the server
    assert len(zone_c["features"]) == 125
    assert {f["properties"]["zone"] for f in zone_c["features"]} == {"c"}

    gpkg = tmp_path / "copy.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{url}", "parcels")
    summary = gdal("ogrinfo", "-ro", "-so", str(gpkg), "parcels")
    assert "Feature Count: 250" in summary
    assert "code: String" in summary and "area: Real" in summary


def test_owslib_reads_collections_items_and_queryables(live_server, ogc_layers):
    api = Features(live_server.url + "/ogc")
    ids = {c["id"] for c in api.collections()["collections"]}
    assert {"schools", "parcels"} <= ids and "secret-plans" not in ids
    page = api.collection_items("schools", limit=2)
    assert page["numberReturned"] == 2 and page["numberMatched"] == 3
    assert page["features"][0]["properties"]["name"] == "第1中学"
    queryables = api.collection_queryables("parcels")
    assert queryables["properties"]["zone"]["enum"] == ["r", "c"]
    assert queryables["properties"]["area"]["type"] == "number"


def test_keyset_paging_walks_forward_and_back(client, ogc_layers):
    url, seen, pages = "/ogc/collections/parcels/items?limit=100", [], []
    while url:
        page = get_json(client, url)
        pages.append(page)
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else None
    assert len(seen) == 250 and seen == sorted(seen) and len(pages) == 3
    assert "after=" in [link for link in pages[1]["links"] if link["rel"] == "self"][0]["href"]
    prev = [link["href"] for link in pages[2]["links"] if link["rel"] == "prev"][0]
    back = get_json(client, prev)
    assert [f["id"] for f in back["features"]] == seen[100:200]
    assert all(p["numberMatched"] == 250 for p in pages)


def test_links_follow_forwarded_host_and_proto(client, ogc_layers):
    links = get_json(client, "/ogc/collections/schools/items", HTTP_X_FORWARDED_HOST="maps.example.gov.cn",
                     HTTP_X_FORWARDED_PROTO="https")["links"]
    assert links and all(link["href"].startswith("https://maps.example.gov.cn/ogc/") for link in links)


def test_html_and_negotiation(client, ogc_layers):
    response = client.get("/ogc/collections/schools/items", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert "第2中学" in body(response) and "ogc-map" in body(response)
    assert client.get("/ogc/collections/schools/items?f=json")["Content-Type"] == "application/geo+json"
    first = ogc_layers["schools"].features.order_by("pk").first().pk
    for page in ("", "conformance", "api", "collections", "collections/schools", "collections/schools/queryables",
                 f"collections/schools/items/{first}"):
        response = client.get(f"/ogc/{page}?f=html")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), page
        assert "<html" in body(response)


def test_hidden_collection_is_404_and_bad_params_400(client, ogc_layers):
    assert client.get("/ogc/collections/secret-plans").status_code == 404
    assert client.get("/ogc/collections/secret-plans/items").status_code == 404
    assert client.get("/ogc/collections/no-such/items").status_code == 404
    for query in ("limit=0", "limit=x", "bbox=1,2,3", "properties=nope", "sortby=nope", "unknown=1",
                  "pupils=many", "after=1&before=2", "f=xml", "crs=EPSG:1", "bbox=1,2,3,nan"):
        response = client.get(f"/ogc/collections/schools/items?{query}")
        assert response.status_code == 400, query
        assert response.json()["description"]


def test_item_properties_sortby_and_attribute_filter(client, ogc_layers):
    page = get_json(client, "/ogc/collections/schools/items?sortby=-pupils&properties=name")
    assert [f["properties"] for f in page["features"]] == [{"name": "第3中学"}, {"name": "第2中学"},
                                                            {"name": "第1中学"}]
    only = get_json(client, "/ogc/collections/schools/items?pupils=200")
    assert [f["properties"]["name"] for f in only["features"]] == ["第2中学"]
    feature_id = page["features"][0]["id"]
    response = client.get(f"/ogc/collections/schools/items/{feature_id}")
    assert response.status_code == 200 and response["ETag"] == '"v1"'
    assert response.json()["properties"]["pupils"] == 300
    for missing in ("999999", "99999999999999999999999", "²", "-1", "1.5"):
        assert client.get(f"/ogc/collections/schools/items/{missing}").status_code == 404, missing


def test_pages_join_chunks_in_order(client, ogc_layers, monkeypatch):
    monkeypatch.setattr("layers.ogcapi.query.FETCH_SIZE", 7)
    forward = get_json(client, "/ogc/collections/parcels/items?limit=60&after=0")
    ids = [f["id"] for f in forward["features"]]
    assert len(ids) == 60 and ids == sorted(ids) and forward["numberReturned"] == 60
    nxt = [link["href"] for link in forward["links"] if link["rel"] == "next"][0]
    last = get_json(client, nxt.replace("limit=60", "limit=500"))
    assert len(last["features"]) == 190 and not [link for link in last["links"] if link["rel"] == "next"]
    back = get_json(client, f"/ogc/collections/parcels/items?limit=20&before={ids[30]}")
    assert [f["id"] for f in back["features"]] == ids[10:30]


def test_number_matched_exact_or_estimated(client, ogc_layers, monkeypatch):
    exact = get_json(client, "/ogc/collections/parcels/items?zone=c&limit=1")
    assert exact["numberMatched"] == 125 and "numberMatchedIsEstimate" not in exact
    monkeypatch.setattr("layers.ogcapi.query.EXACT_COUNT_LIMIT", 10)  # as if the layer were large
    estimated = get_json(client, "/ogc/collections/parcels/items?zone=c&limit=1")
    assert estimated["numberMatchedIsEstimate"] is True and estimated["numberMatched"] >= 1
    unfiltered = get_json(client, "/ogc/collections/parcels/items?limit=1")
    assert unfiltered["numberMatched"] == 250 and "numberMatchedIsEstimate" not in unfiltered


@pytest.fixture
def ranked(departments):
    """57 points whose `rank` repeats and is sometimes missing, and whose `label` is sometimes missing."""
    layer = make_layer("ranked", departments["planning"], schema=[
        {"name": "rank", "type": "integer"}, {"name": "label", "type": "string"}, {"name": "name", "type": "string"}])
    rows = []
    for i in range(57):
        props = {"name": f"r{i}"}
        if i % 5:
            props["rank"] = (i * 7) % 11
        if i % 3:
            props["label"] = f"L{(i * 13) % 17:02d}"
        rows.append(FeatureInput(Point(126.6 + i * 0.001, 45.7), props))
    features_bulk_create(layer=layer, rows=rows)
    return layer


def _expected_order(features: list[dict], sortby: str) -> list[int]:
    """The order the API promises: each key ascending or descending with nulls last, then the id."""
    keys = []
    for part in sortby.split(","):
        descending, name = part.startswith("-"), part.lstrip("+-")
        keys.append((name, descending))
    ordered = sorted(features, key=lambda f: f["id"])
    for name, descending in reversed(keys):
        def value(f, name=name):
            return f["id"] if name == "id" else f["properties"].get(name)
        present = [f for f in ordered if value(f) is not None]
        missing = [f for f in ordered if value(f) is None]
        ordered = sorted(present, key=value, reverse=descending) + missing
    return [f["id"] for f in ordered]


def _link(page: dict, rel: str) -> str | None:
    found = [link["href"] for link in page["links"] if link["rel"] == rel]
    return found[0] if found else None


@pytest.mark.parametrize("sortby", ["rank", "-rank", "-rank,label", "label,-id", "-label,rank"])
def test_sorted_pages_are_walked_by_keyset_cursors_both_ways(client, ranked, sortby):
    everything = get_json(client, "/ogc/collections/ranked/items?limit=100")["features"]
    expected = _expected_order(everything, sortby)
    pages, url = [], f"/ogc/collections/ranked/items?sortby={sortby}&limit=7"
    while url:
        page = get_json(client, url)
        assert "offset=" not in json.dumps(page["links"])
        pages.append([f["id"] for f in page["features"]])
        url = _link(page, "next")
    assert [i for p in pages for i in p] == expected and len(pages) == 9
    back, url = [], _link(page, "prev")
    while url:
        page = get_json(client, url)
        back.append([f["id"] for f in page["features"]])
        url = _link(page, "prev")
    assert back == pages[-2::-1]


def test_bad_cursors_answer_400(client, ranked):
    first = get_json(client, "/ogc/collections/ranked/items?sortby=-rank&limit=5")
    cursor = _link(first, "next").split("cursor=")[1].split("&")[0]
    base = "/ogc/collections/ranked/items?limit=5"
    for query in (f"sortby=rank,label&cursor={cursor}", "sortby=rank&cursor=bm9wZQ", "sortby=rank&cursor=%%%",
                  f"cursor={cursor}", f"sortby=-rank&cursor={cursor}&offset=5",
                  "sortby=rank&cursor=" + __import__("base64").urlsafe_b64encode(b'["a",["1; DROP TABLE x",3]]')
                  .decode(), "sortby=rank&cursor=" + "A" * 5000):
        response = client.get(f"{base}&{query}")
        assert response.status_code == 400, query
        assert "cursor" in response.json()["description"] or "offset" in response.json()["description"], query
    assert client.get(f"{base}&sortby=-rank&cursor={cursor}").status_code == 200


def test_a_deep_sorted_page_costs_what_the_first_does(ranked):
    from layers.ogcapi import query as q
    from layers.ogcapi.params import parse_sortby
    from layers.schema import parse_schema
    sort = parse_sortby({"sortby": "-rank"}, parse_schema(ranked.schema))
    deep = q.ItemsQuery(layer_id=ranked.pk, fields=["name"], limit=5, sort=sort,
                        cursor=q.SortCursor("after", ("3",), 10**9))
    statement = q.items_sql(deep)
    assert "OFFSET" not in statement.sql.upper()
    assert list(q.items_chunks(deep))  # rank 3 or lower, or no rank: rows remain after the cursor
