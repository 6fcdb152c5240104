"""Exports read back with GDAL: every format, CRS, bbox and attribute filters, permissions."""
from __future__ import annotations

import json
import subprocess
import zipfile

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from pyproj import Transformer

from layers.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from layers.history.models import AuditLog
from layers.io.crs import map_geojson_coords
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer

# ogr2ogr reads through its own connection: the data must be committed.
with_ogr2ogr = pytest.mark.django_db(transaction=True)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_back(path) -> dict:
    """GDAL's own reading of an exported file, as GeoJSON."""
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path)], capture_output=True, check=True)
    return json.loads(out.stdout)


def export(client, slug, tmp_path, **params):
    response = client.get(f"/api/layers/{slug}/export", params)
    assert response.status_code == 200, response.content if not response.streaming else ""
    name = response["Content-Disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / name
    path.write_bytes(body(response))
    return response, path


@with_ogr2ogr
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "fgb", "kml", "csv"])
def test_formats_read_back(client, school_layer, tmp_path, fmt):
    response, path = export(client, school_layer.slug, tmp_path, format=fmt)
    assert (type(response).__name__ == "StreamingHttpResponse") == (fmt in ("geojson", "kml", "csv"))
    if fmt == "csv":
        text = path.read_text("utf-8-sig")
        assert text.splitlines()[0].startswith("WKT,fid,name,pupils")
        assert "第1中学" in text and "POINT (126.63 45.75)" in text
        return
    data = read_back(path)
    for f in data["features"]:  # KML keeps the name in <name>, read back as "Name"
        f["properties"].setdefault("name", f["properties"].get("Name"))
    features = sorted(data["features"], key=lambda f: f["properties"]["name"])
    assert [f["properties"]["name"] for f in features] == ["第1中学", "第2中学", "第3中学"]
    assert features[0]["geometry"]["coordinates"][:2] == pytest.approx([126.63, 45.75])
    if fmt != "kml":
        assert features[1]["properties"]["pupils"] == 200


@with_ogr2ogr
def test_shapefile_zip_has_prj_cpg_and_field_mapping(client, departments, tmp_path):

    schema = [{"name": "school_name_long", "type": "string", "label_zh": "学校名称"},
              {"name": "school_name_longer", "type": "string"}]
    layer = make_layer("long-names", departments["planning"], schema=schema)
    feature_create(layer=layer, geometry=Point(126.63, 45.75, srid=4326),
                   properties={"school_name_long": "哈尔滨", "school_name_longer": "第二"})
    _, path = export(client, layer.slug, tmp_path, format="shapefile")
    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
        assert {"long-names.shp", "long-names.shx", "long-names.dbf", "long-names.prj", "long-names.cpg",
                "fields.csv"} <= names
        assert bundle.read("long-names.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        mapping = bundle.read("fields.csv").decode("utf-8-sig")
        assert "school_name_long,school_nam,学校名称" in mapping
        assert "school_name_longer,school_n_2" in mapping
    data = read_back(f"/vsizip/{path}/long-names.shp")
    assert data["features"][0]["properties"] == {"fid": data["features"][0]["properties"]["fid"],
                                                  "school_nam": "哈尔滨", "school_n_2": "第二"}


@with_ogr2ogr
def test_crs_bbox_and_filter(client, school_layer, tmp_path):
    _, path = export(client, school_layer.slug, tmp_path, format="gpkg", crs="EPSG:4530",
                     bbox="126.62,45.74,126.66,45.77", filter="pupils>=200;name~2")
    data = read_back(path)
    assert [f["properties"]["name"] for f in data["features"]] == ["第2中学"]
    x, y = data["features"][0]["geometry"]["coordinates"]
    expected = Transformer.from_crs(4326, 4530, always_xy=True).transform(126.65, 45.76)
    assert x == pytest.approx(expected[0], abs=0.01) and y == pytest.approx(expected[1], abs=0.01)


@with_ogr2ogr
def test_cql2_filter(client, school_layer, tmp_path):
    _, path = export(client, school_layer.slug, tmp_path, format="geojson", **{
        "filter-lang": "cql2-text", "filter": "pupils > 100 AND name LIKE '%3%'"})
    assert [f["properties"]["name"] for f in read_back(path)["features"]] == ["第3中学"]
    response = client.get(f"/api/layers/{school_layer.slug}/export", {"filter-lang": "cql2-text", "filter": "nope >"})
    assert response.status_code == 400 and "filter" in response.json()["error"]


@with_ogr2ogr
def test_csv_lon_lat_columns(client, school_layer, tmp_path):
    _, path = export(client, school_layer.slug, tmp_path, format="csv", geometry="xy")
    header = path.read_text("utf-8-sig").splitlines()[0]
    assert header.startswith("X,Y,")


GCJ02_CASES = [
    "POINT(126.63 45.75)",
    "LINESTRING(126.60 45.70, 126.61 45.71, 126.65 45.72)",
    "POLYGON((126.60 45.70, 126.70 45.70, 126.70 45.80, 126.60 45.80, 126.60 45.70),"
    " (126.62 45.72, 126.64 45.72, 126.64 45.74, 126.62 45.72))",
    "MULTIPOLYGON(((126.6 45.7, 126.61 45.7, 126.61 45.71, 126.6 45.7)),"
    " ((126.7 45.8, 126.71 45.8, 126.71 45.81, 126.7 45.8), (126.702 45.802, 126.705 45.802, 126.705 45.805,"
    " 126.702 45.802)))",
    "MULTILINESTRING((126.6 45.7, 126.7 45.8), (126.5 45.6, 126.55 45.65, 126.58 45.61))",
    "MULTIPOINT((126.6 45.7), (127.1 46.2))",
    "GEOMETRYCOLLECTION(POINT(126.6 45.7), LINESTRING(126.6 45.7, 126.7 45.8))",
    "POINT(2.35 48.85)",  # outside China: the formula leaves it
    "POLYGON EMPTY",
]


def _numbers(value):
    """Every coordinate of a GeoJSON geometry, in order."""
    if isinstance(value, (int, float)):
        yield float(value)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    else:
        yield from _numbers(value.get("coordinates", value.get("geometries", [])))


def _shape(value):
    """The nesting of a GeoJSON geometry: types, parts, rings and vertex counts, without coordinates."""
    if isinstance(value, dict):
        return value["type"], _shape(value.get("coordinates", value.get("geometries", [])))
    if isinstance(value, list) and value and isinstance(value[0], (int, float)):
        return len(value)
    return [_shape(item) for item in value] if isinstance(value, list) else value


@pytest.mark.django_db
@pytest.mark.parametrize("wkt", GCJ02_CASES)
def test_gcj02_sql_function_matches_the_python_formula(wkt):
    """Every vertex moved exactly as layers/gcj02.py moves it; types, parts, rings kept."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsGeoJSON(g, 15), ST_AsGeoJSON(layers_io_to_gcj02(g), 15), "
                       "ST_SRID(layers_io_to_gcj02(g)) FROM ST_GeomFromText(%s, 4326) g", [wkt])
        source, shifted, srid = cursor.fetchone()
    source, shifted = json.loads(source), json.loads(shifted)
    expected = map_geojson_coords(source, wgs84_to_gcj02)
    assert srid == 4326
    assert _shape(shifted) == _shape(expected)
    assert list(_numbers(shifted)) == pytest.approx(list(_numbers(expected)), abs=1e-10)
    if wkt.startswith(("POINT(2", "POLYGON EMPTY")):
        assert shifted == source
    else:
        assert shifted != source


@with_ogr2ogr
@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_gcj02_export_round_trips_to_wgs84(client, school_layer, tmp_path, fmt):
    _, path = export(client, school_layer.slug, tmp_path, format=fmt, crs="GCJ02")
    features = sorted(read_back(path)["features"], key=lambda f: f["properties"]["name"])
    lon, lat = features[0]["geometry"]["coordinates"][:2]
    assert (lon, lat) == pytest.approx(wgs84_to_gcj02(126.63, 45.75), abs=1e-9)
    assert abs(lon - 126.63) > 0.003  # several hundred metres east, as Chinese web maps draw it
    assert gcj02_to_wgs84(lon, lat) == pytest.approx((126.63, 45.75), abs=1e-8)  # under a millimetre
    entry = AuditLog.objects.filter(layer=school_layer, action=AuditLog.Action.EXPORT).latest("id")
    assert entry.changes["crs"] == [None, "GCJ02"]


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "message"), [
    ({"format": "dwg"}, "format must be one of"),
    ({"format": "kml", "crs": "EPSG:4530"}, "EPSG:4326 only"),
    ({"crs": "EPSG:32651"}, "Unsupported coordinate system"),
    ({"filter": "nonsense"}, "Cannot read the filter"),
    ({"filter": "pupils>abc"}, "does not fit"),
    ({"bbox": "1,2,3"}, "bbox"),
])
def test_bad_requests_are_4xx(client, school_layer, params, message):
    response = client.get(f"/api/layers/{school_layer.slug}/export", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_hidden_layer_answers_like_a_missing_one(client, users, school_layer):
    Layer.objects.filter(pk=school_layer.pk).update(visibility=Layer.Visibility.DEPARTMENT)
    assert client.get(f"/api/layers/{school_layer.slug}/export").status_code == 404
    assert client.get("/api/layers/no-such-layer/export").status_code == 404
    client.force_login(users["education_editor"])
    assert client.get(f"/api/layers/{school_layer.slug}/export").status_code == 200


@with_ogr2ogr
def test_export_is_audited(client, school_layer, caplog):
    with caplog.at_level("INFO", logger="geoportal.audit"):
        b"".join(client.get(f"/api/layers/{school_layer.slug}/export", {"format": "geojson"}).streaming_content)
    assert any("export layer=schools" in r.getMessage() for r in caplog.records)
    entry = AuditLog.objects.get(action="layer.export")
    assert entry.layer_slug == "schools" and entry.actor is None and entry.changes["format"] == [None, "geojson"]
