"""OGC API - Maps: a collection's map and a map of several, read back with GDAL; bbox and crs in
their axis orders; errors; restricted collections answered as missing."""
from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from osgeo import gdal

from layers.api.tokens import token_issue
from tests import ogcapi_layers
from tests.ogcapi_layers import decode_image
from tests.raster_factories import HARBIN_BOUNDS

SCHOOL = (126.63, 45.75)
hidden_layer = ogcapi_layers.hidden_layer
ortho = ogcapi_layers.ortho


def _pixel(ds: gdal.Dataset, col: int, row: int) -> tuple[int, ...]:
    return tuple(ds.GetRasterBand(b).ReadRaster(col, row, 1, 1)[0] for b in range(1, ds.RasterCount + 1))


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    return math.radians(lon) * 6378137, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137


# MapServer reads the features through a connection of its own: they must be committed.
@pytest.mark.django_db(transaction=True)
def test_vector_collection_map_draws_the_features_where_they_are(client, school_layer):
    west, south, east, north = 126.59, 45.72, 126.67, 45.78
    response = client.get("/ogc/collections/schools/map",
                          {"bbox": f"{west},{south},{east},{north}", "width": 400, "height": 300})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    ds = decode_image(response.content, "schools.png")
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (400, 300, 4)
    col = round((SCHOOL[0] - west) / (east - west) * 400)
    row = round((north - SCHOOL[1]) / (north - south) * 300)
    assert _pixel(ds, col, row)[3] > 100  # the school's symbol (drawn with the style's opacity)
    assert _pixel(ds, 5, 5)[3] == 0  # transparent away from every feature


def test_raster_collection_map_matches_the_cogs_own_pixels(client, ortho):
    west, south, east, north = HARBIN_BOUNDS
    width, height = 160, 96  # 0.00125 degrees a pixel both ways
    response = client.get(f"/ogc/collections/{ortho.slug}/map",
                          {"bbox": f"{west},{south},{east},{north}", "width": width, "height": height})
    assert response.status_code == 200
    drawn = decode_image(response.content, "ortho.png")
    assert (drawn.RasterXSize, drawn.RasterYSize) == (width, height)
    drawn.SetGeoTransform((west, (east - west) / width, 0, north, 0, -(north - south) / height))
    cog = gdal.Open(str(Path(settings.RASTER_ROOT) / ortho.raster.path))
    for band in (1, 2, 3):
        median, high = _median_difference_from_cog(drawn, cog, band)
        assert median <= 2 and high <= 16, f"band {band}: median {median}, 98th percentile {high}"


def test_bbox_crs_and_crs_follow_their_axis_orders(client, ortho):
    west, south, east, north = HARBIN_BOUNDS
    response = client.get(f"/ogc/collections/{ortho.slug}/map", {
        "bbox": f"{south},{west},{north},{east}", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "width": 256, "f": "jpeg"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    minx, miny, maxx, maxy = (float(v) for v in response["Content-Bbox"].split(","))
    assert (minx, miny) == pytest.approx(_mercator(west, south), abs=0.01)
    assert (maxx, maxy) == pytest.approx(_mercator(east, north), abs=0.01)
    ds = decode_image(response.content, "ortho.jpg")
    # The height follows the box's shape in metres.
    assert ds.RasterXSize == 256 and ds.RasterYSize == round(256 * (maxy - miny) / (maxx - minx))
    flipped = client.get(f"/ogc/collections/{ortho.slug}/map", {
        "bbox": f"{south},{west},{north},{east}", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4490",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/4490", "width": 64, "height": 48})
    assert flipped.status_code == 200
    assert flipped["Content-Bbox"] == f"{south!r},{west!r},{north!r},{east!r}"


@pytest.mark.django_db(transaction=True)
def test_a_map_of_several_collections(client, school_layer, ortho):
    response = client.get("/ogc/map", {"collections": f"{ortho.slug},schools", "width": 300})
    assert response.status_code == 200
    ds = decode_image(response.content, "both.png")
    assert ds.RasterXSize == 300
    assert client.get("/ogc/map").status_code == 400


@pytest.mark.parametrize(("params", "phrase"), [
    ({"bbox": "1,2,3"}, "four comma-separated numbers"),
    ({"bbox": "126.7,45.7,126.6,45.8"}, "lower corner"),
    ({"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}, "without bbox"),
    ({"crs": "EPSG:9999"}, "Unsupported CRS"),
    ({"width": "-5"}, "whole number"),
    ({"width": "100000", "height": "100000"}, "from 1 to"),
    ({"f": "gif"}, "png or jpeg"),
    ({"transparent": "maybe"}, "true or false"),
    ({"styles": "x"}, "Unknown query parameter"),
])
def test_bad_map_requests_get_a_400_with_a_message(client, school_layer, params, phrase):
    response = client.get("/ogc/collections/schools/map", params)
    assert response.status_code == 400
    assert phrase in response.json()["description"]


@pytest.mark.django_db(transaction=True)
def test_restricted_collection_has_no_map_but_its_readers_get_one(client, users, school_layer, hidden_layer):
    hidden = client.get("/ogc/collections/planning-secret/map")
    missing = client.get("/ogc/collections/nosuch/map")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["description"].replace("planning-secret", "X") == \
        missing.json()["description"].replace("nosuch", "X")
    several = client.get("/ogc/map", {"collections": "schools,planning-secret"})
    assert several.status_code == 404 and "planning-secret" in several.json()["description"]
    token = token_issue(name="city-gis", layers=[hidden_layer])[1]
    seen = client.get("/ogc/collections/planning-secret/map", {"width": 64},
                      headers={"Authorization": f"Bearer {token}"})
    assert seen.status_code == 200 and seen["Content-Type"] == "image/png" and seen["Cache-Control"] == "private"
    drawn = decode_image(seen.content, "secret.png")
    alpha = drawn.GetRasterBand(4).ReadRaster()
    assert max(alpha) > 100  # the one feature is drawn for the token's holder


def _median_difference_from_cog(drawn: gdal.Dataset, cog: gdal.Dataset, band: int, step: int = 1) -> tuple[int, int]:
    """(median, 98th percentile) of |map pixel − COG pixel at the map pixel's centre|, border left out."""
    west, dx, _, north, _, dy = drawn.GetGeoTransform()
    cog_west, cog_dx, _, cog_north, _, cog_dy = cog.GetGeoTransform()
    ours, theirs = drawn.GetRasterBand(band).ReadRaster(), cog.GetRasterBand(band).ReadRaster()
    differences = []
    for row in range(1, drawn.RasterYSize - 1, step):
        cog_row = math.floor((north + (row + 0.5) * dy - cog_north) / cog_dy)
        for col in range(1, drawn.RasterXSize - 1, step):
            cog_col = math.floor((west + (col + 0.5) * dx - cog_west) / cog_dx)
            differences.append(abs(ours[row * drawn.RasterXSize + col] - theirs[cog_row * cog.RasterXSize + cog_col]))
    differences.sort()
    return differences[len(differences) // 2], differences[int(len(differences) * 0.98)]


@pytest.mark.django_db(transaction=True)
def test_gdal_ogcapi_maps_client_reads_the_cogs_pixels(live_server, ortho, tmp_path):
    """GDAL's OGCAPI driver (API=MAP) asks /collections/{id}/map for blocks and assembles a GeoTIFF."""
    west, south, east, north = HARBIN_BOUNDS
    out = tmp_path / "from-map.tif"
    subprocess.run(["gdal_translate", f"OGCAPI:{live_server.url}/ogc/collections/{ortho.slug}", "-oo", "API=MAP",
                    "-projwin", str(west), str(north), str(east), str(south), "-outsize", "160", "96", str(out)],
                   check=True, capture_output=True, text=True, timeout=120)
    drawn = gdal.Open(str(out))
    assert drawn.GetGeoTransform() == pytest.approx((west, 0.00125, 0, north, 0, -0.00125))
    cog = gdal.Open(str(Path(settings.RASTER_ROOT) / ortho.raster.path))
    for band in (1, 2, 3):
        median, high = _median_difference_from_cog(drawn, cog, band)
        assert median <= 3 and high <= 20, f"band {band}: median {median}, 98th percentile {high}"
