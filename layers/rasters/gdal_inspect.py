"""Describe a GeoTIFF as JSON, or read the value range of one band.

Run as a separate process (layers/rasters/probe.py) with the system Python's GDAL bindings and
the safe environment of layers/io/gdalenv.py; opens the file with the GTiff driver only.
Usage: python3 gdal_inspect.py describe PATH
       python3 gdal_inspect.py range PATH
"""
import json
import os
import sys

from osgeo import gdal, osr

gdal.UseExceptions()


def _open(path: str):
    return gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY, allowed_drivers=["GTiff"])


def _last_block_end(band) -> int:
    """Where the band's last stored block ends in the file (0 when GDAL does not say)."""
    bx, by = band.GetBlockSize()
    nx = (band.XSize + bx - 1) // bx
    ny = (band.YSize + by - 1) // by
    end = 0
    for x, y in ((nx - 1, ny - 1), (0, ny - 1), (nx - 1, 0)):
        offset = band.GetMetadataItem(f"BLOCK_OFFSET_{x}_{y}", "TIFF")
        size = band.GetMetadataItem(f"BLOCK_SIZE_{x}_{y}", "TIFF")
        if offset and size:
            end = max(end, int(offset) + int(size))
    return end


def _bounds_4326(ds, srs) -> list | None:
    gt = ds.GetGeoTransform()
    xs = (gt[0], gt[0] + gt[1] * ds.RasterXSize)
    ys = (gt[3], gt[3] + gt[5] * ds.RasterYSize)
    target = osr.SpatialReference()
    target.ImportFromEPSG(4326)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(srs, target)
    return list(transform.TransformBounds(min(xs), min(ys), max(xs), max(ys), 21))


def describe(path: str) -> dict:
    ds = _open(path)
    srs = ds.GetSpatialRef()
    bands = []
    for index in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(index)
        bands.append({"data_type": gdal.GetDataTypeName(band.DataType), "nodata": band.GetNoDataValue(),
                      "color_interp": gdal.GetColorInterpretationName(band.GetColorInterpretation()),
                      "color_table": band.GetColorTable() is not None,
                      "overviews": band.GetOverviewCount(), "last_block_end": _last_block_end(band)})
    image = ds.GetMetadata("IMAGE_STRUCTURE") or {}
    return {
        "driver": ds.GetDriver().ShortName, "width": ds.RasterXSize, "height": ds.RasterYSize,
        "bands": bands, "srs_wkt": srs.ExportToWkt() if srs else "", "geotransform": list(ds.GetGeoTransform()),
        "has_geotransform": ds.GetGeoTransform(can_return_null=True) is not None,
        "bounds_4326": _bounds_4326(ds, srs) if srs else None, "compression": image.get("COMPRESSION", "NONE"),
        "layout": image.get("LAYOUT", ""), "file_size": os.path.getsize(path),
        "files": [os.path.basename(f) for f in (ds.GetFileList() or [])],
    }


def value_range(path: str) -> list:
    ds = _open(path)  # kept referenced: a band outlives its dataset only as a dangling pointer
    low, high = ds.GetRasterBand(1).ComputeRasterMinMax(False)
    return [low, high]


if __name__ == "__main__":
    try:
        action = {"describe": describe, "range": value_range}[sys.argv[1]]
        print(json.dumps(action(sys.argv[2])))
    except (RuntimeError, KeyError, IndexError) as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
