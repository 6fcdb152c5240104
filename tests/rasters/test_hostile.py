"""Hostile and broken GeoTIFF uploads: each refused with a message, no job, no layer, no file left."""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from osgeo import gdal

from layers.io.models import ImportJob
from layers.models import Layer
from tests.io_samples import write_geojson
from tests.raster_factories import write_elevation, write_imagery

pytestmark = pytest.mark.django_db


@pytest.fixture
def refuse(client, users, raster_root, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    client.force_login(users["planning_manager"])

    def post(path: Path, status: int, fragment: str, **fields):
        with open(path, "rb") as handle:
            response = client.post("/api/imports/", {"file": handle, "title": "恶意", **fields})
        assert response.status_code == status, response.content
        assert fragment in response.json()["error"], response.json()
        assert not ImportJob.objects.exists() and not Layer.objects.filter(title_zh="恶意").exists()
        work = Path(settings.IMPORT_WORK_DIR)
        assert not work.exists() or list(work.iterdir()) == []
        assert not raster_root.exists() or list(raster_root.iterdir()) == []
        assert list((tmp_path / "uploads").iterdir()) == []
        return response

    return post


def tiff_header(width: int, height: int) -> bytes:
    """A little-endian classic TIFF whose first IFD claims width × height 8-bit pixels and holds none."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, 1), (279, 4, 1, width)]
    packed = [struct.pack("<HHII", tag, kind, count, value) if kind == 4
              else struct.pack("<HHIHH", tag, kind, count, value, 0) for tag, kind, count, value in entries]
    ifd = struct.pack("<H", len(entries)) + b"".join(packed) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def test_a_header_claiming_a_million_by_a_million_pixels(refuse, tmp_path):
    path = tmp_path / "huge.tif"
    path.write_bytes(tiff_header(1_000_000, 1_000_000))
    refuse(path, 422, "claims 1000000 × 1000000 pixels")


def test_the_pixel_limit_is_a_setting(refuse, tmp_path, settings):
    settings.RASTER_MAX_PIXELS = 1000
    refuse(write_elevation(tmp_path / "dem.tif"), 422, "RASTER_MAX_PIXELS")


def test_a_vrt_renamed_tif(refuse, tmp_path):
    path = tmp_path / "dem.tif"
    path.write_text('<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand band="1"><SimpleSource>'
                    '<SourceFilename>/etc/passwd</SourceFilename></SimpleSource></VRTRasterBand></VRTDataset>')
    refuse(path, 415, "not a GeoTIFF")


def test_a_vrt_beside_the_geotiff_in_a_zip(refuse, tmp_path):
    bundle = tmp_path / "dem.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.write(write_elevation(tmp_path / "dem.tif"), "dem.tif")
        z.writestr("dem.tif.vrt", '<VRTDataset rasterXSize="1" rasterYSize="1"></VRTDataset>')
    refuse(bundle, 422, "VRT")


def test_a_geotiff_naming_a_vsi_path(refuse, tmp_path):
    path = write_elevation(tmp_path / "dem.tif")
    ds = gdal.Open(str(path), gdal.GA_Update)
    ds.SetMetadataItem("TIFFTAG_IMAGEDESCRIPTION", "/vsicurl/http://169.254.169.254/latest/meta-data")
    ds = None
    refuse(path, 422, "GDAL virtual-file path")


def test_a_truncated_tiff(refuse, tmp_path):
    path = write_elevation(tmp_path / "dem.tif", width=400, height=300)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    refuse(path, 422, "truncated")


def test_a_truncated_cog(refuse, tmp_path):
    """A COG's directory comes first, so the header reads fine and only the image data is missing."""
    source = write_elevation(tmp_path / "src.tif", width=400, height=300)
    path = tmp_path / "cog.tif"
    gdal.Translate(str(path), str(source), format="COG", creationOptions=["COMPRESS=NONE"])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    refuse(path, 422, "truncated")


def test_a_non_raster_renamed_tif(refuse, tmp_path):
    geojson = write_geojson(tmp_path)
    path = tmp_path / "schools.tif"
    path.write_bytes(geojson.read_bytes())
    refuse(path, 415, "not a GeoTIFF")


def test_a_zip_with_dotdot_names(refuse, tmp_path):
    bundle = tmp_path / "evil.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.write(write_elevation(tmp_path / "dem.tif"), "../../dem.tif")
    refuse(bundle, 422, "points outside the archive")


def test_two_band_images_are_not_a_kind_we_draw(refuse, tmp_path):
    path = tmp_path / "two.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 8, 8, 2, gdal.GDT_Byte)
    ds.SetGeoTransform((126.6, 0.001, 0, 45.8, 0, -0.001))
    ds.SetProjection("EPSG:4490")
    ds = None
    refuse(path, 415, "2 band(s) of Byte")


def test_no_coordinate_system_asks_for_one(refuse, tmp_path):
    path = tmp_path / "nocrs.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 8, 8, 3, gdal.GDT_Byte)
    ds.SetGeoTransform((126.6, 0.001, 0, 45.8, 0, -0.001))
    ds = None
    refuse(path, 400, "names no coordinate system")


def test_an_unsupported_crs(refuse, tmp_path):
    refuse(write_imagery(tmp_path / "utm.tif", bounds=(300000, 5000000, 310000, 5010000), epsg=32652), 400,
           "not one we support")


def test_a_named_crs_overrides_a_missing_one(client, users, raster_root, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "nocrs.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 8, 8, 3, gdal.GDT_Byte)
    ds.SetGeoTransform((126.6, 0.001, 0, 45.8, 0, -0.001))
    ds = None
    client.force_login(users["planning_manager"])
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        body = client.post("/api/imports/", {"file": handle, "title": "指定", "crs": "EPSG:4490"}).json()
    job = client.get(body["url"]).json()
    assert job["state"] == "succeeded", job
    assert Layer.objects.get(slug=job["layer"]["slug"]).raster.epsg == 4490
