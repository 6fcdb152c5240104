"""Hostile and broken uploads: each refused with a clear 4xx, nothing written, no file left behind,
and GDAL never opening anything outside the upload nor touching the network."""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

from layers.io.errors import CorruptFile
from layers.io.gdalenv import DEAD_PROXY, child_env, inprocess_config, ogrinfo_json
from layers.io.models import ImportJob
from layers.models import Layer
from tests.io_samples import convert, feature_collection, shapefile_zip, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture
def work_dir(settings, tmp_path):
    settings.IMPORT_WORK_DIR = str(tmp_path / "work")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return tmp_path


@pytest.fixture
def refuse(client, users, work_dir):
    """POST a file; assert a 4xx with a message, no job, no layer, no file left in the work folders."""
    client.force_login(users["planning_manager"])

    def post(path: Path, status: int, fragment: str, **fields):
        with open(path, "rb") as handle:
            response = client.post("/api/imports/", {"file": handle, "title": "恶意", **fields})
        assert response.status_code == status, response.content
        assert fragment in response.json()["error"]
        assert not ImportJob.objects.exists() and not Layer.objects.filter(title_zh="恶意").exists()
        assert list((work_dir / "work").glob("*")) == [] if (work_dir / "work").exists() else True
        assert list((work_dir / "uploads").iterdir()) == []
        return response

    return post


def make(tmp_path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# --- references outside the upload ------------------------------------------------------------

def test_vrt_file_refused(refuse, tmp_path):
    vrt = '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer>' \
          '</OGRVRTDataSource>'
    refuse(make(tmp_path, "evil.vrt", vrt), 422, "VRT")
    refuse(make(tmp_path, "evil.gml", vrt), 422, "VRT document")


def test_vrt_inside_zip_refused(refuse, tmp_path):
    shp = shapefile_zip(tmp_path, write_geojson(tmp_path), "-lco", "ENCODING=UTF-8")
    with zipfile.ZipFile(shp, "a") as bundle:
        bundle.writestr("extra.vrt", "<OGRVRTDataSource/>")
    refuse(shp, 422, "VRT")


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("a.geojson", '{"type":"FeatureCollection","features":[],"x":"/vsicurl/http://127.0.0.1:1/a.geojson"}',
     "/vsi"),
    ("b.geojson", '{"type":"FeatureCollection","crs":{"type":"link","properties":{"href":"http://x/crs"}},'
     '"features":[]}', "linked coordinate system"),
    ("c.kml", '<kml xmlns="http://www.opengis.net/kml/2.2"><NetworkLink><Link><href>http://127.0.0.1:1/x.kml'
     '</href></Link></NetworkLink></kml>', "NetworkLink"),
    ("d.kml", '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>x</name><Style><IconStyle>'
     '<Icon><href>file:///etc/passwd</href></Icon></IconStyle></Style></Placemark></Document></kml>', "link"),
    ("e.gml", '<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" '
     'xmlns:xlink="http://www.w3.org/1999/xlink"><gml:featureMember xlink:href="http://127.0.0.1:1/f.gml"/>'
     '</gml:FeatureCollection>', "link"),
    ("f.gml", '<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml" '
     'xmlns:xlink="http://www.w3.org/1999/xlink"><gml:featureMember xlink:href="../../etc/passwd"/>'
     '</gml:FeatureCollection>', "link"),
])
def test_references_refused(refuse, tmp_path, name, content, fragment):
    refuse(make(tmp_path, name, content), 422, fragment)


def test_geopackage_with_vsi_path_refused(refuse, tmp_path):
    data = feature_collection()
    data["features"][0]["properties"]["name"] = "/vsizip//etc/secret.zip"
    gpkg = convert(write_geojson(tmp_path, data), tmp_path / "x.gpkg", "GPKG")
    refuse(gpkg, 422, "/vsi")


# --- XML entities ------------------------------------------------------------------------------

def test_xxe_kml_refused(refuse, tmp_path):
    kml = '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' \
          '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name>' \
          '<Point><coordinates>126.6,45.7</coordinates></Point></Placemark></kml>'
    refuse(make(tmp_path, "xxe.kml", kml), 422, "DOCTYPE")


def test_billion_laughs_gml_refused(refuse, tmp_path):
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' \
          '<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml">&lol2;</gml:FeatureCollection>'
    refuse(make(tmp_path, "lol.gml", lol), 422, "DOCTYPE")


# --- zip tricks --------------------------------------------------------------------------------

def test_zip_bomb_ratio_refused(refuse, tmp_path, settings):
    settings.IMPORT_MAX_ZIP_RATIO = 100
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("a.shp", b"\0" * (20 * 1024 * 1024))
    refuse(bomb, 422, "zip bomb")


def test_zip_total_size_refused(refuse, tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 200_000
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("a.geojson", os.urandom(300_000))
    refuse(big, 422, "unpacks to more than")


@pytest.mark.parametrize("entry", ["../evil.geojson", "/tmp/evil.geojson", "a/../../evil.geojson",
                                   "C:\\evil.geojson"])
def test_zip_path_escape_refused(refuse, tmp_path, entry):
    path = tmp_path / "escape.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(zipfile.ZipInfo(entry), '{"type":"FeatureCollection","features":[]}')
    refuse(path, 422, "refused")
    assert not (tmp_path / "evil.geojson").exists() and not Path("/tmp/evil.geojson").exists()


def test_zip_symlink_refused(refuse, tmp_path):
    path = tmp_path / "link.zip"
    info = zipfile.ZipInfo("passwd.geojson")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(info, "/etc/passwd")
    refuse(path, 422, "link")


def test_nested_archive_refused(refuse, tmp_path):
    inner = shapefile_zip(tmp_path, write_geojson(tmp_path))
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as bundle:
        bundle.write(inner, "inner.zip")
    refuse(outer, 422, "another archive")


def test_too_many_files_refused(refuse, tmp_path, settings):
    settings.IMPORT_MAX_ZIP_FILES = 5
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        for i in range(6):
            bundle.writestr(f"f{i}.txt", "x")
    refuse(path, 422, "at most 5")


# --- broken files ------------------------------------------------------------------------------

def test_zero_byte_and_empty_files(refuse, tmp_path):
    refuse(make(tmp_path, "empty.geojson", b""), 422, "0 bytes")
    refuse(make(tmp_path, "nothing.geojson", "{}"), 422, "could not be read")


def test_truncated_files(refuse, tmp_path):
    text = write_geojson(tmp_path).read_text()
    refuse(make(tmp_path, "cut.geojson", text[: len(text) // 2]), 422, "could not be read")
    gpkg = convert(write_geojson(tmp_path), tmp_path / "full.gpkg", "GPKG").read_bytes()
    refuse(make(tmp_path, "cut.gpkg", gpkg[:1500]), 422, "could not be read")
    shp_zip = shapefile_zip(tmp_path, write_geojson(tmp_path), name="trunc")
    with zipfile.ZipFile(shp_zip) as bundle:
        parts = {n: bundle.read(n) for n in bundle.namelist()}
    parts["trunc.shp"] = parts["trunc.shp"][:120]
    with zipfile.ZipFile(tmp_path / "trunc2.zip", "w") as bundle:
        for n, data in parts.items():
            bundle.writestr(n, data)
    refuse(tmp_path / "trunc2.zip", 422, "truncated")


def test_wrong_extension(refuse, tmp_path):
    refuse(make(tmp_path, "image.geojson", b"\x89PNG\r\n\x1a\n" + b"\0" * 100), 415, "not a GeoJSON")
    refuse(make(tmp_path, "data.gpkg", '{"type":"FeatureCollection","features":[]}'), 415, "not a GeoPackage")
    refuse(make(tmp_path, "data.docx", b"PK\x03\x04"), 415, "not supported")
    refuse(make(tmp_path, "corrupt.zip", b"PK\x03\x04garbage"), 422, "damaged")


@pytest.mark.parametrize("drop", [".shx", ".dbf"])
def test_shapefile_missing_part(refuse, tmp_path, drop):
    refuse(shapefile_zip(tmp_path, write_geojson(tmp_path), drop=(drop,)), 422, f"lacks its {drop}")


def test_bare_shp_refused(refuse, tmp_path):
    refuse(make(tmp_path, "a.shp", b"\0\0\x27\x0a" + b"\0" * 96), 422, "zipped together")


# --- upload size -------------------------------------------------------------------------------

def test_a_2gb_upload_is_refused_before_reading(client, users, work_dir):
    client.force_login(users["planning_manager"])
    with open(write_geojson(work_dir), "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": "x"}, CONTENT_LENGTH=str(2 * 1024 ** 3))
    assert response.status_code == 413
    assert "upload limit" in response.json()["error"]
    assert list((work_dir / "uploads").iterdir()) == []


def test_upload_over_the_limit_is_cut_off_while_arriving(client, users, work_dir, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # to a temporary file, which must be removed
    client.force_login(users["planning_manager"])
    path = make(work_dir, "big.geojson", '{"type":"FeatureCollection","features":[]' + " " * 150_000 + "}")
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "title": "x"})
    assert response.status_code == 413
    assert list((work_dir / "uploads").iterdir()) == []
    assert not ImportJob.objects.exists()


# --- GDAL stays off the network and inside the folder ------------------------------------------

class Listener:
    """A local TCP server counting connections: proves that GDAL never reached it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def test_gdal_children_never_touch_the_network(tmp_path):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/data.geojson"
        for name in (url, f"/vsicurl/{url}", f"/vsicurl_streaming/{url}"):
            result = subprocess.run(["ogrinfo", "-ro", "-so", name], env=child_env(("GeoJSON",)),
                                    capture_output=True, timeout=30)
            assert result.returncode != 0
        # A GML whose schema lives on "the network": read without fetching it.
        gml = convert(write_geojson(tmp_path), tmp_path / "s.gml", "GML")
        text = gml.read_text().replace('xsi:schemaLocation="http://ogr.maptools.org/ s.xsd"',
                                       f'xsi:schemaLocation="http://ogr.maptools.org/ {url[:-12]}s.xsd"')
        gml.write_text(text)
        (tmp_path / "s.xsd").unlink(missing_ok=True)
        info = ogrinfo_json(gml, driver="GML", open_options={"DOWNLOAD_SCHEMA": "NO"})
        assert info["layers"][0]["featureCount"] == 3
        assert listener.hits == 0
    finally:
        listener.close()


def test_only_the_formats_driver_may_open_the_file(tmp_path):
    geojson = write_geojson(tmp_path)
    vrt = make(tmp_path, "x.vrt", f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{geojson}'
                                  '</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>')
    with pytest.raises(CorruptFile):
        ogrinfo_json(vrt, driver="OGR_VRT")  # never allowed, even when asked for
    with pytest.raises(CorruptFile):
        ogrinfo_json(geojson, driver="GPKG")  # a GeoJSON is not opened as anything else
    assert ogrinfo_json(geojson, driver="GeoJSON")["driverShortName"] == "GeoJSON"


def test_in_process_gdal_is_configured():
    assert inprocess_config("GDAL_HTTP_PROXY") == DEAD_PROXY
    assert inprocess_config("GML_SKIP_RESOLVE_ELEMS") == "ALL"
