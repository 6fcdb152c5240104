"""Uploading GeoTIFFs: each kind becomes a COG with the metadata recorded; replace keeps the layer."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from osgeo import gdal

from layers.history.models import AuditLog
from layers.io.models import ImportJob
from layers.models import Layer
from layers.rasters.models import RasterSource
from tests.raster_factories import HARBIN_BOUNDS, NODATA, write_elevation, write_imagery, write_paletted

pytestmark = pytest.mark.django_db


def post(client, path: Path, django_capture_on_commit_callbacks, **fields):
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/", {"file": handle, **fields})
    assert response.status_code == 202, response.content
    return client.get(response.json()["url"]).json()


def cog_of(layer: Layer):
    return gdal.Open(str(Path(settings.RASTER_ROOT) / layer.raster.path))


def test_elevation_upload_makes_a_cog_a_hillshade_and_metadata(client, users, raster_root, tmp_path,
                                                              django_capture_on_commit_callbacks):
    client.force_login(users["planning_manager"])
    job = post(client, write_elevation(tmp_path / "dem.tif"), django_capture_on_commit_callbacks, title="高程")
    assert job["state"] == "succeeded", job
    assert job["source"]["format"] == "GTiff" and job["progress"]["percent"] == 100.0
    layer = Layer.objects.get(slug=job["layer"]["slug"])
    assert layer.is_raster and layer.department == users["planning_manager"].department
    source = layer.raster
    assert (source.kind, source.width, source.height, source.band_count) == ("elevation", 160, 96, 1)
    assert source.data_type == "Float32" and source.nodata == NODATA and source.epsg == 4490
    assert source.compression == "DEFLATE" and source.overview_count >= 0
    assert 110 < source.value_range[0] < 130 and 220 < source.value_range[1] < 300
    assert source.resolution == pytest.approx(0.2 / 160)
    assert source.native_extent == pytest.approx(list(HARBIN_BOUNDS))
    assert source.extent.extent == pytest.approx(HARBIN_BOUNDS, abs=1e-6)
    assert layer.extent.extent == pytest.approx(HARBIN_BOUNDS, abs=1e-6)
    assert len(source.sha256) == 64 and source.size_bytes == (raster_root / source.path).stat().st_size
    cog = cog_of(layer)
    assert cog.GetMetadata("IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    assert cog.GetRasterBand(1).GetNoDataValue() == NODATA
    assert cog.GetRasterBand(1).GetBlockSize() == [256, 256]
    hillshade = gdal.Open(str(raster_root / source.hillshade_path))
    assert gdal.GetDataTypeName(hillshade.GetRasterBand(1).DataType) == "Byte"
    assert hillshade.GetGeoTransform() == pytest.approx(cog.GetGeoTransform())
    ramp = layer.style["raster"]["ramp"]
    assert ramp[0][0] == pytest.approx(source.value_range[0], abs=0.01) and layer.style["raster"]["hillshade"]
    assert AuditLog.objects.filter(layer=layer, action=AuditLog.Action.IMPORT).exists()
    assert AuditLog.objects.filter(layer=layer, action=AuditLog.Action.LAYER_CREATE).exists()
    assert not Path(ImportJob.objects.get(pk=job["id"]).work_dir).exists()


@pytest.mark.parametrize("bands, compression", [(3, "JPEG"), (4, "WEBP")])
def test_imagery_compression(client, users, raster_root, tmp_path, django_capture_on_commit_callbacks, bands,
                             compression):
    client.force_login(users["planning_manager"])
    job = post(client, write_imagery(tmp_path / "o.tif", bands=bands), django_capture_on_commit_callbacks,
               title="影像")
    layer = Layer.objects.get(slug=job["layer"]["slug"])
    assert (layer.raster.kind, layer.raster.band_count, layer.raster.compression) == ("imagery", bands, compression)
    assert not layer.raster.hillshade_path and layer.style == {"opacity": 1}
    assert cog_of(layer).GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"].endswith(compression)


def test_paletted_keeps_its_colour_table(client, users, raster_root, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(users["planning_manager"])
    job = post(client, write_paletted(tmp_path / "p.tif"), django_capture_on_commit_callbacks, title="规划")
    layer = Layer.objects.get(slug=job["layer"]["slug"])
    cog = cog_of(layer)
    entry = cog.GetRasterBand(1).GetColorTable().GetColorEntry(1)
    assert layer.raster.kind == "paletted" and entry == (69, 123, 157, 255)


def test_gauss_kruger_zone_kept_as_uploaded(client, users, raster_root, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(users["planning_manager"])
    # CGCS2000 / 3-degree Gauss-Kruger CM 126E, over central Harbin (metres).
    path = write_elevation(tmp_path / "gk.tif", bounds=(541000, 5063000, 557000, 5075000), epsg=4551,
                           nodata_corner=False)
    job = post(client, path, django_capture_on_commit_callbacks, title="高斯")
    source = Layer.objects.get(slug=job["layer"]["slug"]).raster
    assert source.epsg == 4551 and source.resolution == pytest.approx(100)
    west, south, east, north = source.extent.extent
    assert 126.4 < west < east < 126.8 and 45.6 < south < north < 45.9


def test_zip_with_one_geotiff(client, users, raster_root, tmp_path, django_capture_on_commit_callbacks):
    tif = write_paletted(tmp_path / "p.tif")
    bundle = tmp_path / "plan.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.write(tif, "maps/p.tif")
    client.force_login(users["planning_manager"])
    job = post(client, bundle, django_capture_on_commit_callbacks, title="压缩")
    assert job["state"] == "succeeded", job


def test_replace_keeps_the_layer_swaps_files_and_audits(client, users, elevation_layer, raster_root, tmp_path,
                                                       django_capture_on_commit_callbacks):
    old = raster_root / elevation_layer.raster.path
    old_id = elevation_layer.raster.pk
    assert old.exists()
    client.force_login(users["planning_manager"])
    job = post(client, write_elevation(tmp_path / "new.tif", width=80, height=48), django_capture_on_commit_callbacks,
               layer=elevation_layer.slug, mode="replace")
    assert job["state"] == "succeeded", job
    assert job["layer"]["slug"] == elevation_layer.slug
    source = RasterSource.objects.get(layer=elevation_layer)
    assert source.pk != old_id and source.width == 80
    assert (raster_root / source.path).exists() and not old.exists() and not old.parent.exists()
    assert AuditLog.objects.filter(layer=elevation_layer, action=AuditLog.Action.IMPORT).count() == 2


def test_editor_of_another_department_cannot_replace(client, users, elevation_layer, tmp_path):
    client.force_login(users["education_editor"])
    with open(write_elevation(tmp_path / "x.tif"), "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "layer": elevation_layer.slug, "mode": "replace"})
    assert response.status_code == 400 and "that you may edit" in response.json()["error"]


def test_a_geotiff_cannot_append_to_a_raster_nor_replace_a_vector(client, users, elevation_layer, school_layer,
                                                                  tmp_path):
    client.force_login(users["admin"])
    path = write_elevation(tmp_path / "x.tif")
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "layer": elevation_layer.slug, "mode": "append"})
    assert response.status_code == 400 and "mode replace" in response.json()["error"]
    with open(path, "rb") as handle:
        response = client.post("/api/imports/", {"file": handle, "layer": school_layer.slug, "mode": "replace"})
    assert response.status_code == 400 and "vector layer" in response.json()["error"]
