"""Each import format arrives intact: features, Chinese text and coordinates (checked with pyproj)."""
from __future__ import annotations

import pytest
from pyproj import Transformer

from layers.gcj02 import wgs84_to_gcj02
from layers.history.models import AuditLog
from layers.io.models import ImportJob
from layers.models import Feature, Layer
from tests.io_samples import POINTS, convert, feature_collection, shapefile_zip, write_geojson, zip_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, users):
    client.force_login(users["planning_manager"])
    return client


@pytest.fixture
def run_import(editor_client, django_capture_on_commit_callbacks):
    """POST a file to /api/imports/ and run the job (IMPORT_JOBS_SYNC) through the real code path."""

    def post(path, **fields):
        with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post("/api/imports/", {"file": handle, **fields})
        if response.status_code == 202:
            detail = editor_client.get(response.json()["url"])
            return response, detail.json()
        return response, None

    return post


def assert_schools(job: dict, *, tolerance: float = 1e-6) -> Layer:
    assert job["state"] == "succeeded", job
    layer = Layer.objects.get(slug=job["layer"]["slug"])
    features = {f.properties.get("name") or f.name: f for f in Feature.objects.filter(layer=layer)}
    assert len(features) == 3
    for lon, lat, name, pupils, _level in POINTS:
        feature = features[name]
        assert abs(feature.geom.x - lon) < tolerance and abs(feature.geom.y - lat) < tolerance
        assert int(feature.properties["pupils"]) == pupils
    assert layer.feature_count == 3
    assert layer.geometry_type == "point"
    return layer


def test_geojson_into_a_new_layer(run_import, tmp_path):
    response, job = run_import(write_geojson(tmp_path), title="学校")
    assert response.status_code == 202, response.content
    assert response["Location"] == response.json()["url"]
    layer = assert_schools(job)
    assert layer.title_zh == "学校"
    assert {f["name"] for f in layer.schema} == {"name", "pupils", "level"}
    assert layer.name_field == "name"
    assert AuditLog.objects.get(action="layer.create", layer=layer).actor.username == "p_manager"
    assert job["progress"]["rows_done"] == 3 and job["progress"]["rows_total"] == 3


@pytest.mark.parametrize(("driver", "suffix", "extra"), [
    ("GPKG", ".gpkg", ()),
    ("FlatGeobuf", ".fgb", ()),
    ("GML", ".gml", ()),
    ("KML", ".kml", ()),
])
def test_single_file_formats(run_import, tmp_path, driver, suffix, extra):
    src = write_geojson(tmp_path)
    path = convert(src, tmp_path / f"schools{suffix}", driver, *extra)
    response, job = run_import(path, title=f"学校 {driver}")
    assert response.status_code == 202, response.content
    assert_schools(job)


def test_kmz(run_import, tmp_path):
    kml = convert(write_geojson(tmp_path), tmp_path / "doc.kml", "KML")
    response, job = run_import(zip_files(tmp_path / "schools.kmz", [kml]), title="学校 KMZ")
    assert response.status_code == 202, response.content
    assert_schools(job)


@pytest.mark.parametrize(("encoding", "drop", "detected"), [
    ("UTF-8", (), {"encoding_source": "cpg", "encoding": "UTF-8"}),
    ("GBK", (), {"encoding_source": "cpg", "encoding": "GBK"}),
    ("GBK", (".cpg",), {"encoding_source": "detected", "encoding": "GB18030"}),  # no .cpg: detected
])
def test_zipped_shapefile_encodings(run_import, tmp_path, encoding, drop, detected):
    path = shapefile_zip(tmp_path, write_geojson(tmp_path), "-lco", f"ENCODING={encoding}", drop=drop)
    response, job = run_import(path, title=f"学校 {encoding}")
    assert response.status_code == 202, response.content
    assert job["report"]["detected"] == detected
    assert_schools(job)


def test_encoding_override_wins(run_import, tmp_path):
    path = shapefile_zip(tmp_path, write_geojson(tmp_path), "-lco", "ENCODING=GBK", drop=(".cpg",))
    response, job = run_import(path, title="学校", encoding="GBK")
    assert job["report"]["detected"]["encoding_source"] == "override"
    assert_schools(job)


def test_gauss_kruger_zone_shapefile_lands_in_place(run_import, tmp_path):
    """CGCS2000 3-degree GK zone 42 (EPSG:4530) with a .prj; compared with pyproj's own transform."""
    src = write_geojson(tmp_path)
    path = shapefile_zip(tmp_path, src, "-t_srs", "EPSG:4530", "-lco", "ENCODING=GBK")
    response, job = run_import(path, title="学校 GK")
    assert response.status_code == 202, response.content
    assert job["report"]["source"]["file_epsg"] == 4530
    to_gk = Transformer.from_crs(4326, 4530, always_xy=True)
    back = Transformer.from_crs(4530, 4326, always_xy=True)
    layer = Layer.objects.get(slug=job["layer"]["slug"])
    for lon, lat, name, *_ in POINTS:
        expected = back.transform(*to_gk.transform(lon, lat))
        feature = Feature.objects.get(layer=layer, properties__name=name)
        assert abs(feature.geom.x - expected[0]) < 1e-7 and abs(feature.geom.y - expected[1]) < 1e-7
        assert abs(feature.geom.x - lon) < 1e-6


def test_gk_zone_without_prj_needs_crs(run_import, tmp_path):
    path = shapefile_zip(tmp_path, write_geojson(tmp_path), "-t_srs", "EPSG:4530", "-lco", "ENCODING=UTF-8",
                         drop=(".prj",))
    response, _ = run_import(path, title="学校 GK")
    assert response.status_code == 400
    assert "coordinate system" in response.json()["error"]
    response, job = run_import(path, title="学校 GK", crs="EPSG:4530")
    assert response.status_code == 202
    assert_schools(job)


def test_xian80_and_beijing54_zones(run_import, tmp_path):
    for epsg in (2368, 2418):  # Xi'an 1980 / Beijing 1954 3-degree GK zone 42
        folder = tmp_path / str(epsg)
        folder.mkdir()
        path = shapefile_zip(folder, write_geojson(folder), "-t_srs", f"EPSG:{epsg}", "-lco", "ENCODING=UTF-8")
        response, job = run_import(path, title=f"学校 {epsg}")
        assert response.status_code == 202, response.content
        assert job["report"]["source"]["file_epsg"] == epsg
        # Datum shifts to WGS 84 for these old datums are approximate (see layers/io/crs.py).
        assert_schools(job, tolerance=2e-3)


def test_csv_lon_lat_gbk(run_import, tmp_path):
    path = tmp_path / "schools.csv"
    rows = ["名称,经度,纬度,pupils,level"] + [f"{n},{lon},{lat},{p},{lv}" for lon, lat, n, p, lv in POINTS]
    path.write_bytes("\n".join(rows).encode("gbk"))
    response, job = run_import(path, title="学校 CSV")
    assert response.status_code == 202, response.content
    assert job["report"]["detected"]["geometry"] == "xy"
    assert job["report"]["detected"]["x_field"] == "经度"
    layer = Layer.objects.get(slug=job["layer"]["slug"])
    assert {f["label_zh"] for f in layer.schema} >= {"名称", "pupils"}
    names = set(Feature.objects.filter(layer=layer).values_list("properties__ming_cheng", flat=True))
    assert names == {p[2] for p in POINTS}


def test_csv_wkt_column(run_import, tmp_path):
    path = tmp_path / "schools.csv"
    rows = ["name,pupils,level,wkt"] + [f'{n},{p},{lv},"POINT ({lon} {lat})"' for lon, lat, n, p, lv in POINTS]
    path.write_text("\n".join(rows), encoding="utf-8")
    response, job = run_import(path, title="学校 WKT")
    assert response.status_code == 202, response.content
    assert job["report"]["detected"]["wkt_field"] == "wkt"
    assert_schools(job)


def test_gcj02_is_converted_to_wgs84(run_import, tmp_path):
    shifted = [(*wgs84_to_gcj02(lon, lat), n, p, lv) for lon, lat, n, p, lv in POINTS]
    path = write_geojson(tmp_path, feature_collection(shifted))
    response, job = run_import(path, title="学校 GCJ", crs="GCJ02")
    assert response.status_code == 202
    assert_schools(job, tolerance=1e-7)


def test_geopackage_with_two_layers_asks_which(run_import, tmp_path):
    src = write_geojson(tmp_path)
    gpkg = convert(src, tmp_path / "two.gpkg", "GPKG", "-nln", "schools")
    convert(src, gpkg, "GPKG", "-update", "-nln", "others")
    response, _ = run_import(gpkg, title="学校")
    assert response.status_code == 400
    assert set(response.json()["rows"][0]["layers"]) == {"schools", "others"}
    response, job = run_import(gpkg, title="学校", source_layer="others")
    assert_schools(job)
    assert ImportJob.objects.filter(state="succeeded").count() == 1

