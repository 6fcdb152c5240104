"""A small elevation raster layer for the browser tests: a 64 × 64 Float32 COG over central
Harbin written by GDAL's COG driver, values rising from 100 m in the west to 300 m in the east,
with a nodata corner, and its RasterSource row as the upload would write it."""
from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from django.contrib.gis.geos import Polygon
from osgeo import gdal, osr

from layers.models import Layer
from layers.rasters.models import RasterSource
from tests.conftest import make_layer

BOUNDS = (126.60, 45.72, 126.68, 45.78)  # west, south, east, north
SIZE = 64
NODATA = -9999.0
STYLE = {"opacity": 1, "raster": {"ramp": [[100, "#2b83ba"], [200, "#ffffbf"], [300, "#d7191c"]],
                                  "hillshade": False, "hillshade_opacity": 0.5}}


def write_cog(path: Path) -> None:
    west, south, east, north = BOUNDS
    mem = gdal.GetDriverByName("MEM").Create("", SIZE, SIZE, 1, gdal.GDT_Float32)
    mem.SetGeoTransform((west, (east - west) / SIZE, 0, north, 0, -(north - south) / SIZE))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    mem.SetProjection(srs.ExportToWkt())
    band = mem.GetRasterBand(1)
    band.SetNoDataValue(NODATA)
    values = [NODATA if row < 8 and col < 8 else 100 + 200 * col / (SIZE - 1)
              for row in range(SIZE) for col in range(SIZE)]
    band.WriteRaster(0, 0, SIZE, SIZE, struct.pack(f"<{SIZE * SIZE}f", *values))
    gdal.Translate(str(path), mem, format="COG", creationOptions=["COMPRESS=DEFLATE", "BLOCKSIZE=256"])


def make_elevation_layer(slug: str, department, root: Path, **extra) -> Layer:
    """The layer and its COG under `root` (point settings.RASTER_ROOT at it)."""
    root.mkdir(parents=True, exist_ok=True)
    cog = root / f"{slug}.tif"
    write_cog(cog)
    west, south, east, north = BOUNDS
    extent = Polygon.from_bbox(BOUNDS)
    extent.srid = 4326
    layer = make_layer(slug, department, geometry_type=Layer.GeometryType.POLYGON, schema=[], kind="raster",
                       theme="planning", style=STYLE, extent=extent, **extra)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    RasterSource.objects.create(
        layer=layer, kind=RasterSource.Kind.ELEVATION, path=cog.name, source_name=cog.name, width=SIZE, height=SIZE,
        band_count=1, data_type="Float32", nodata=NODATA, srs_wkt=srs.ExportToWkt(), epsg=4326,
        geotransform=[west, (east - west) / SIZE, 0, north, 0, -(north - south) / SIZE],
        resolution=(east - west) / SIZE, native_extent=list(BOUNDS), extent=extent, value_range=[100, 300],
        overview_count=0, compression="DEFLATE", size_bytes=cog.stat().st_size,
        sha256=hashlib.sha256(cog.read_bytes()).hexdigest(),
    )
    layer.refresh_from_db()
    return layer
