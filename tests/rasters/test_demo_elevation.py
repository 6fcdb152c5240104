"""The demo elevation model's generator alone (no database): its grid and a plausible surface."""
from __future__ import annotations

import struct

from osgeo import gdal

from fixtures.demo_raster import BOUNDS, NODATA, PIXEL, write_demo_elevation


def value_at(ds, lon: float, lat: float) -> float:
    col, row = int((lon - BOUNDS[0]) / PIXEL[0]), int((BOUNDS[3] - lat) / PIXEL[1])
    return struct.unpack("f", ds.ReadRaster(col, row, 1, 1))[0]


def test_the_generated_surface_stays_in_harbin_heights_with_the_valley_lowest(tmp_path):
    ds = gdal.Open(str(write_demo_elevation(tmp_path / "dem.tif")))
    assert (ds.RasterXSize, ds.RasterYSize) == (1000, 640)
    assert ds.GetSpatialRef().GetAuthorityCode(None) == "4490"
    band = ds.GetRasterBand(1)
    assert band.GetNoDataValue() == NODATA
    low, high, mean, _ = band.ComputeStatistics(False)
    assert 110 <= low < 118 and 250 < high <= 300 and 120 < mean < 220
    river = value_at(ds, 126.62, 45.79)
    # Daoli on the south bank, Songbei's plain on the north bank, the hills towards Acheng.
    assert river < value_at(ds, 126.55, 45.86) < value_at(ds, 126.63, 45.70) < value_at(ds, 126.88, 45.61)
