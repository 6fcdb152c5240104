"""Small real raster layers for tests: a GeoTIFF generated with GDAL, uploaded through the import service.

Use the fixtures (`elevation_layer`, `imagery_layer`, `paletted_layer`: public layers of the planning
department over central Harbin, their COGs under a temporary RASTER_ROOT), or call
`raster_layer_create(user=…, path=write_elevation(tmp_path / "dem.tif"), title=…)` for other shapes.
Pixel values are a known function of the position (`elevation_at`), so a test can predict them.
"""
from __future__ import annotations

import array
import math
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from osgeo import gdal, osr

from layers.io.models import ImportJob
from layers.io.services import ImportRequest, import_job_create
from layers.models import Layer

gdal.UseExceptions()

# Central Harbin (lon/lat, EPSG:4490 / 4326): the Songhua runs west–east near 45.78 N.
HARBIN_BOUNDS = (126.55, 45.70, 126.75, 45.82)
NODATA = -9999.0


def elevation_at(lon: float, lat: float) -> float:
    """A smooth surface: about 115 m at the river, rising to ~260 m in the south-east."""
    river = abs(lat - 45.78) * 900.0
    return 115.0 + min(river, 90.0) + 40.0 * (lon - 126.55) / 0.2 + 8.0 * math.sin(lon * 60.0) * math.cos(lat * 50.0)


def _dataset(path: Path, *, width: int, height: int, bands: int, data_type, bounds, epsg: int):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), width, height, bands, data_type, ["TILED=YES"])
    west, south, east, north = bounds
    ds.SetGeoTransform((west, (east - west) / width, 0, north, 0, -(north - south) / height))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    return ds


def _lonlat(bounds, width, height, col, row) -> tuple[float, float]:
    west, south, east, north = bounds
    return west + (col + 0.5) * (east - west) / width, north - (row + 0.5) * (north - south) / height


def write_elevation(path: Path, *, width: int = 160, height: int = 96, bounds=HARBIN_BOUNDS, epsg: int = 4490,
                    nodata_corner: bool = True, data_type=gdal.GDT_Float32) -> Path:
    """Float32 (or Int16/UInt16) elevation; the top-left 16×16 pixels are nodata when nodata_corner."""
    ds = _dataset(path, width=width, height=height, bands=1, data_type=data_type, bounds=bounds, epsg=epsg)
    values = array.array("f", [
        NODATA if nodata_corner and col < 16 and row < 16 else elevation_at(*_lonlat(bounds, width, height, col, row))
        for row in range(height) for col in range(width)])
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(NODATA)
    band.WriteRaster(0, 0, width, height, values.tobytes(), buf_type=gdal.GDT_Float32)
    ds = None
    return path


def write_imagery(path: Path, *, width: int = 128, height: int = 96, bands: int = 3, bounds=HARBIN_BOUNDS,
                  epsg: int = 4490) -> Path:
    """RGB(A) Byte: red grows eastwards, green southwards, blue constant; alpha 0 on the left quarter."""
    ds = _dataset(path, width=width, height=height, bands=bands, data_type=gdal.GDT_Byte, bounds=bounds, epsg=epsg)
    planes = [bytes(255 * c // (width - 1) for _ in range(height) for c in range(width)),
              bytes(255 * r // (height - 1) for r in range(height) for _ in range(width)),
              bytes([160]) * (width * height)]
    if bands == 4:
        planes.append(bytes(0 if c < width // 4 else 255 for _ in range(height) for c in range(width)))
    for index, plane in enumerate(planes, start=1):
        ds.GetRasterBand(index).WriteRaster(0, 0, width, height, plane)
    if bands == 4:
        ds.GetRasterBand(4).SetColorInterpretation(gdal.GCI_AlphaBand)
    ds = None
    return path


def write_paletted(path: Path, *, width: int = 96, height: int = 64, bounds=HARBIN_BOUNDS, epsg: int = 4490) -> Path:
    """One Byte band of four stripes (0–3) with a colour table: a scanned plan's shape."""
    ds = _dataset(path, width=width, height=height, bands=1, data_type=gdal.GDT_Byte, bounds=bounds, epsg=epsg)
    band = ds.GetRasterBand(1)
    band.WriteRaster(0, 0, width, height, bytes(4 * c // width for _ in range(height) for c in range(width)))
    table = gdal.ColorTable()
    for index, colour in enumerate([(230, 57, 70, 255), (69, 123, 157, 255), (241, 250, 238, 255),
                                    (29, 53, 87, 255)]):
        table.SetColorEntry(index, colour)
    band.SetColorTable(table)
    ds = None
    return path


def raster_layer_create(*, user, path: Path, title: str, visibility: str = Layer.Visibility.PUBLIC,
                        slug: str | None = None) -> Layer:
    """Upload `path` through the import service (as a manager would) and run the job now."""
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/tiff")
    job = import_job_create(user=user, uploaded=upload, request=ImportRequest(mode="new", title=title), run_now=True)
    if job.state != ImportJob.State.SUCCEEDED:
        raise AssertionError(f"raster import failed: {job.error}")
    layer = Layer.objects.get(pk=job.layer_id)
    fields = {"visibility": visibility, **({"slug": slug} if slug else {})}
    Layer.objects.filter(pk=layer.pk).update(**fields)
    layer.refresh_from_db()
    return layer


@pytest.fixture
def raster_root(settings, tmp_path):
    settings.RASTER_ROOT = tmp_path / "rasters"
    settings.IMPORT_WORK_DIR = str(tmp_path / "imports")
    return settings.RASTER_ROOT


@pytest.fixture
def elevation_layer(users, raster_root, tmp_path) -> Layer:
    return raster_layer_create(user=users["planning_manager"], path=write_elevation(tmp_path / "dem.tif"),
                               title="高程测试", slug="dem")


@pytest.fixture
def imagery_layer(users, raster_root, tmp_path) -> Layer:
    return raster_layer_create(user=users["planning_manager"], path=write_imagery(tmp_path / "ortho.tif"),
                               title="影像测试", slug="ortho")


@pytest.fixture
def paletted_layer(users, raster_root, tmp_path) -> Layer:
    return raster_layer_create(user=users["planning_manager"], path=write_paletted(tmp_path / "plan.tif"),
                               title="规划图测试", slug="plan")
