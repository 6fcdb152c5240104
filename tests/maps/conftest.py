"""Fixtures of the map tests: layers with real features (committed, since MapServer reads them
over its own database connection) and raster layers over COGs made here with GDAL."""
from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point, Polygon
from osgeo import gdal, osr
from PIL import Image

from layers.maps.render import close_map_connections
from layers.models import Layer
from layers.rasters.models import RasterSource
from layers.services import feature_create
from tests.conftest import make_layer

gdal.UseExceptions()


@pytest.fixture(autouse=True)
def _close_map_connections():
    """MapServer keeps its PostGIS connections open (CLOSE_CONNECTION=DEFER); close them after
    each test so that the test database can be flushed and dropped."""
    yield
    close_map_connections()

# A 0.01° grid cell over Harbin; rasters are 100 × 100 pixels of 0.0001° from here.
ORIGIN = (126.60, 45.76)
PIXEL = 0.0001
SIZE = 100
NAME_SCHEMA = [{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"}]


def pixels(body: bytes) -> Image.Image:
    """A rendered image decoded, as RGBA."""
    return Image.open(io.BytesIO(body)).convert("RGBA")


@pytest.fixture
def square_layer(transactional_db, departments) -> Layer:
    """A polygon layer: one square 126.62–126.64 E, 45.74–45.76 N named 松北区."""
    layer = make_layer("squares", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=NAME_SCHEMA,
                       style={"stroke": "#ff0000", "fill": "#0000ff", "opacity": 1, "fill_opacity": 1, "weight": 2})
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.62, 45.74, 126.64, 45.76)),
                   properties={"name": "松北区"})
    layer.refresh_from_db()
    return layer


@pytest.fixture
def point_layer(transactional_db, departments) -> Layer:
    layer = make_layer("stars", departments["planning"], schema=NAME_SCHEMA,
                       style={"stroke": "#000000", "fill": "#00ff00", "opacity": 1, "fill_opacity": 1,
                              "weight": 1, "radius": 8, "symbol": "star"})
    feature_create(layer=layer, geometry=Point(126.63, 45.75, srid=4326), properties={"name": "一号"})
    layer.refresh_from_db()
    return layer


def _dataset(path: Path, data_type: int, bands: list[bytes], nodata: float | None, *, epsg: int = 4326,
             origin=ORIGIN, pixel=PIXEL) -> gdal.Dataset:
    mem = gdal.GetDriverByName("MEM").Create("", SIZE, SIZE, len(bands), data_type)
    mem.SetGeoTransform((origin[0], pixel, 0, origin[1], 0, -pixel))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    mem.SetProjection(srs.ExportToWkt())
    for index, band in enumerate(bands, start=1):
        mem.GetRasterBand(index).WriteRaster(0, 0, SIZE, SIZE, band)
        if nodata is not None:
            mem.GetRasterBand(index).SetNoDataValue(nodata)
    gdal.Translate(str(path), mem, format="COG", creationOptions=["COMPRESS=DEFLATE", "OVERVIEWS=NONE"])
    return mem


def _source(layer: Layer, path: Path, root: Path, kind: str, *, bands: int, data_type: str, nodata,
            value_range=None, hillshade: Path | None = None) -> RasterSource:
    minx, maxy = ORIGIN
    maxx, miny = minx + SIZE * PIXEL, maxy - SIZE * PIXEL
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return RasterSource.objects.create(
        layer=layer, kind=kind, path=str(path.relative_to(root)),
        hillshade_path=str(hillshade.relative_to(root)) if hillshade else "", source_name=path.name,
        width=SIZE, height=SIZE, band_count=bands, data_type=data_type, nodata=nodata, srs_wkt=srs.ExportToWkt(),
        epsg=4326, geotransform=[minx, PIXEL, 0, maxy, 0, -PIXEL], resolution=PIXEL,
        native_extent=[minx, miny, maxx, maxy], extent=Polygon.from_bbox((minx, miny, maxx, maxy)),
        value_range=value_range or [], compression="DEFLATE", size_bytes=path.stat().st_size, sha256="0" * 64,
    )


def _raster_layer(slug: str, department, style: dict) -> Layer:
    return make_layer(slug, department, geometry_type=Layer.GeometryType.POLYGON, schema=[],
                      kind=Layer.Kind.RASTER, style=style)


@pytest.fixture
def raster_root(settings, tmp_path) -> Path:
    root = tmp_path / "rasters"
    root.mkdir()
    settings.RASTER_ROOT = root
    return root


@pytest.fixture
def imagery_layer(transactional_db, departments, raster_root) -> Layer:
    """RGB imagery: red rising to the east (R = column * 2), green = row * 2, blue 100; the
    first 10 rows are nodata (0, 0, 0)."""
    red = bytes((0 if row < 10 else 2 * col) for row in range(SIZE) for col in range(SIZE))
    green = bytes((0 if row < 10 else 2 * row) for row in range(SIZE) for col in range(SIZE))
    blue = bytes((0 if row < 10 else 100) for row in range(SIZE) for col in range(SIZE))
    path = raster_root / "imagery" / "ortho.tif"
    path.parent.mkdir()
    _dataset(path, gdal.GDT_Byte, [red, green, blue], 0)
    layer = _raster_layer("ortho", departments["planning"], {"opacity": 1})
    _source(layer, path, raster_root, "imagery", bands=3, data_type="Byte", nodata=0)
    return Layer.objects.select_related("raster").get(pk=layer.pk)


ELEVATION_RAMP = [[100, "#000000"], [300, "#ffffff"]]


@pytest.fixture
def elevation_layer(transactional_db, departments, raster_root) -> Layer:
    """Float32 elevation rising from 100 m (west) to 298 m (east) by 2 m a column; the last 10
    columns are nodata (-9999). A hillshade COG is made with gdal.DEMProcessing."""
    values = [(-9999.0 if col >= 90 else 100.0 + 2 * col) for row in range(SIZE) for col in range(SIZE)]
    path = raster_root / "dem" / "dem.tif"
    path.parent.mkdir()
    source = _dataset(path, gdal.GDT_Float32, [struct.pack(f"<{len(values)}f", *values)], -9999.0)
    shade = raster_root / "dem" / "hillshade.tif"
    tmp = raster_root / "dem" / "hillshade-plain.tif"
    gdal.DEMProcessing(str(tmp), source, "hillshade", format="GTiff", computeEdges=True, scale=111120)
    gdal.Translate(str(shade), str(tmp), format="COG")
    style = {"opacity": 1, "raster": {"ramp": ELEVATION_RAMP, "hillshade": False, "hillshade_opacity": 0.5}}
    layer = _raster_layer("dem", departments["planning"], style)
    _source(layer, path, raster_root, "elevation", bands=1, data_type="Float32", nodata=-9999.0,
            value_range=[100.0, 278.0], hillshade=shade)
    return Layer.objects.select_related("raster").get(pk=layer.pk)


def raster_bbox() -> tuple[float, float, float, float]:
    minx, maxy = ORIGIN
    return (minx, maxy - SIZE * PIXEL, minx + SIZE * PIXEL, maxy)
