"""WMTS of a raster layer: tiles compared with the layer's own COG, through GDAL's WMTS driver and
a Tianditu `c` tile."""
from __future__ import annotations

import subprocess

import pytest
from django.conf import settings
from osgeo import gdal

from layers.tiles.matrixsets import matrix_set, tile_bounds, tiles_covering
from tests.raster_factories import HARBIN_BOUNDS
from tests.wmts.test_wmts import mercator

gdal.UseExceptions()
pytestmark = [pytest.mark.usefixtures("clean_tile_cache"), pytest.mark.django_db(transaction=True)]


def cog_of(layer) -> str:
    return str(settings.RASTER_ROOT / layer.raster.path)


def bands(ds: gdal.Dataset, count: int = 3) -> list[bytes]:
    return [ds.GetRasterBand(i).ReadRaster(buf_type=gdal.GDT_Byte) for i in range(1, count + 1)]


def mean_difference(a: list[bytes], b: list[bytes], mask: bytes | None = None) -> float:
    total = count = 0
    for plane_a, plane_b in zip(a, b, strict=True):
        for i, (x, y) in enumerate(zip(plane_a, plane_b, strict=True)):
            if mask is None or mask[i]:
                total += abs(x - y)
                count += 1
    assert count, "pixels to compare"
    return total / count


def test_gdal_wmts_driver_reads_the_cogs_pixels_back(live_server, imagery_layer, tmp_path):
    west, south, east, north = HARBIN_BOUNDS
    inset = 0.02  # inside the image, away from its edges
    (x0, y0), (x1, y1) = mercator(west + inset, north - inset), mercator(east - inset, south + inset)
    out = tmp_path / "ortho.tif"
    subprocess.run(
        ["gdal_translate", "-q", "-of", "GTiff", "-projwin", str(x0), str(y0), str(x1), str(y1),
         "-outsize", "256", "0",
         f"WMTS:{live_server.url}/wmts/1.0.0/WMTSCapabilities.xml,layer=ortho,tilematrixset=WebMercatorQuad",
         str(out)],
        check=True, capture_output=True, timeout=120,
        env={"GDAL_HTTP_TIMEOUT": "30", "PATH": "/usr/bin:/bin",
             "GDAL_DEFAULT_WMS_CACHE_PATH": str(tmp_path / "cache")},
    )
    served = gdal.Open(str(out))
    gt = served.GetGeoTransform()
    reference = gdal.Warp("/vsimem/reference.tif", cog_of(imagery_layer), dstSRS="EPSG:3857",
                          outputBounds=(gt[0], gt[3] + gt[5] * served.RasterYSize, gt[0] + gt[1] * served.RasterXSize,
                                        gt[3]),
                          width=served.RasterXSize, height=served.RasterYSize, resampleAlg="bilinear")
    try:
        difference = mean_difference(bands(served), bands(reference))
    finally:
        gdal.Unlink("/vsimem/reference.tif")
    # Red grows eastwards and green southwards over 0-255: a shifted or stretched tile differs by tens.
    assert difference < 6, difference


def test_a_c_tile_is_the_cogs_pixels_over_the_tiles_lon_lat_bounds(client, imagery_layer):
    c = matrix_set("c")
    level = 13
    col, row, _, _ = tiles_covering(c, (126.65, 45.76, 126.65, 45.76), level)
    response = client.get(f"/wmts/1.0.0/ortho/default/c/{level}/{row}/{col}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    gdal.FileFromMemBuffer("/vsimem/c.png", response.content)
    bounds = tile_bounds(c, level, row, col)
    reference = gdal.Warp("/vsimem/c_ref.tif", cog_of(imagery_layer), outputBounds=bounds, width=256, height=256,
                          resampleAlg="bilinear", dstAlpha=True)
    try:
        served = gdal.Open("/vsimem/c.png")
        alpha = served.GetRasterBand(4).ReadRaster()
        reference_alpha = reference.GetRasterBand(reference.RasterCount).ReadRaster()
        inside = bytes(1 if a and r else 0 for a, r in zip(alpha, reference_alpha, strict=True))
        assert sum(inside) > 256 * 16, "the tile shows the image"
        assert mean_difference(bands(served), bands(reference), inside) < 6
        outside = sum(1 for a, r in zip(alpha, reference_alpha, strict=True) if bool(a) != bool(r))
        assert outside < 256 * 4, "transparent exactly where the image has no pixels"
    finally:
        gdal.Unlink("/vsimem/c.png")
        gdal.Unlink("/vsimem/c_ref.tif")


def test_tianditus_format_tiles_answers_imagery_as_jpeg(client, imagery_layer):
    # w level 12 tile 1461/3488 holds central Harbin (126.65 E 45.76 N).
    response = client.get("/wmts", {"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": "ortho",
                                    "STYLE": "default", "TILEMATRIXSET": "w", "FORMAT": "tiles", "TILEMATRIX": "12",
                                    "TILEROW": "1461", "TILECOL": "3488"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response.content[:3] == b"\xff\xd8\xff"
