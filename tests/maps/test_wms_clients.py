"""Real WMS clients against a live server: GDAL's WMS driver (gdal_translate into a GeoTIFF)
and OWSLib's WebMapService over HTTP."""
from __future__ import annotations

import subprocess

from osgeo import gdal
from owslib.wms import WebMapService

from tests.maps.conftest import ORIGIN, PIXEL, SIZE, pixels


def _band_bytes(path: str) -> list[bytes]:
    dataset = gdal.Open(path)
    return [dataset.GetRasterBand(i + 1).ReadRaster() for i in range(dataset.RasterCount)]


def test_gdal_wms_driver_reads_the_imagery_as_the_cog(live_server, imagery_layer, raster_root, tmp_path):
    minx, maxy = ORIGIN
    maxx, miny = minx + SIZE * PIXEL, maxy - SIZE * PIXEL
    url = (f"WMS:{live_server.url}/wms?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=ortho&SRS=EPSG:4326"
           f"&BBOX={minx},{miny},{maxx},{maxy}&FORMAT=image/png&TRANSPARENT=TRUE")
    out = tmp_path / "ortho-wms.tif"
    # GDAL's WMS driver keeps a tile cache in the working directory unless told not to.
    subprocess.run(["gdal_translate", "-q", "--config", "GDAL_ENABLE_WMS_CACHE", "NO", "-of", "GTiff",
                    "-outsize", str(SIZE), str(SIZE), "-projwin", str(minx), str(maxy), str(maxx), str(miny),
                    url, str(out)],
                   check=True, capture_output=True, timeout=120, cwd=tmp_path)
    served = gdal.Open(str(out))
    assert (served.RasterXSize, served.RasterYSize) == (SIZE, SIZE)
    origin_x, pixel_x, _, origin_y, _, pixel_y = served.GetGeoTransform()
    assert abs(origin_x - minx) < 1e-9 and abs(origin_y - maxy) < 1e-9 and abs(pixel_x - PIXEL) < 1e-9
    served_bands = _band_bytes(str(out))
    cog_bands = _band_bytes(str(raster_root / imagery_layer.raster.path))
    differing = 0
    for row in range(10, SIZE):  # rows 0-9 are nodata: transparent in the map
        for col in range(SIZE):
            index = row * SIZE + col
            if any(abs(served_bands[b][index] - cog_bands[b][index]) > 2 for b in range(3)):
                differing += 1
    assert differing == 0
    assert served.RasterCount == 4 and served_bands[3][5 * SIZE + 50] == 0  # nodata row: alpha 0


def test_owslib_over_http(live_server, square_layer):
    wms = WebMapService(f"{live_server.url}/wms", version="1.3.0")
    assert "squares" in wms.contents
    image = wms.getmap(layers=["squares"], styles=[""], srs="EPSG:4326", bbox=(126.61, 45.73, 126.65, 45.77),
                       size=(100, 100), format="image/png", transparent=True)
    assert pixels(image.read()).getpixel((50, 50))[:3] == (0, 0, 255)
    wms111 = WebMapService(f"{live_server.url}/wms", version="1.1.1")
    image = wms111.getmap(layers=["squares"], styles=[""], srs="EPSG:4326", bbox=(126.61, 45.73, 126.65, 45.77),
                          size=(100, 100), format="image/png", transparent=True)
    assert pixels(image.read()).getpixel((50, 50))[:3] == (0, 0, 255)
