"""Image tiles of raster layers: pixels against a direct read of the COG, transparency, cache,
replace, permissions, the vector-only formats and TileJSON."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from osgeo import gdal

from layers.api.tokens import token_issue
from layers.models import Layer
from layers.tiles.fastpath import TileFastPath
from layers.tiles.grid import tile_at
from layers.tiles.images import mercator_bounds
from tests.raster_factories import write_elevation
from tests.test_tiles_fastpath import Recorder, call

pytestmark = pytest.mark.usefixtures("clean_tile_cache")
INSIDE = tile_at(126.65, 45.76, 12)  # wholly inside the test rasters
AROUND = tile_at(126.65, 45.76, 9)  # the whole raster and land around it


def url(layer: Layer, tile, ext: str = "png") -> str:
    return f"/tiles/{layer.slug}/{tile.z}/{tile.x}/{tile.y}.{ext}"


def bands_of(image: bytes) -> list[bytes]:
    name = f"/vsimem/{uuid.uuid4().hex}"
    gdal.FileFromMemBuffer(name, image)
    try:
        ds = gdal.Open(name)
        return [ds.GetRasterBand(i).ReadRaster() for i in range(1, ds.RasterCount + 1)]
    finally:
        ds = None
        gdal.Unlink(name)


def cog_window(layer: Layer, tile) -> list[bytes]:
    """The COG read directly by GDAL for the tile's window: warped to 3857 at 256 × 256, with alpha."""
    name = f"/vsimem/{uuid.uuid4().hex}.tif"
    ds = gdal.Warp(name, str(Path(settings.RASTER_ROOT) / layer.raster.path), dstSRS="EPSG:3857",
                   outputBounds=mercator_bounds(tile), width=256, height=256, dstAlpha=True, resampleAlg="near")
    try:  # as bytes: colour bands and the alpha band (an elevation's values are not compared)
        return [ds.GetRasterBand(i).ReadRaster(buf_type=gdal.GDT_Byte) for i in range(1, ds.RasterCount + 1)]
    finally:
        ds = None
        gdal.Unlink(name)


def mean_difference(a: bytes, b: bytes) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


@pytest.mark.parametrize("tile", [INSIDE, AROUND], ids=["inside", "around"])
def test_an_imagery_tile_shows_the_cogs_pixels(client, imagery_layer, tile):
    response = client.get(url(imagery_layer, tile))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    served = bands_of(response.content)
    direct = cog_window(imagery_layer, tile)
    assert len(served) == 4  # RGBA
    assert mean_difference(served[3], direct[3]) < 8  # transparent exactly outside the image
    for band in range(3):
        assert mean_difference(served[band], direct[band]) < 6, band
    if tile == AROUND:
        assert 0 < served[3].count(255) < 256 * 256 * 0.5 and served[3].count(0) > 256 * 256 * 0.5


def test_an_elevation_tile_is_coloured_and_transparent_at_nodata(client, elevation_layer):
    served = bands_of(client.get(url(elevation_layer, AROUND)).content)
    direct = cog_window(elevation_layer, AROUND)  # band 2 is the alpha GDAL derives from nodata
    assert mean_difference(served[3], direct[1]) < 10
    opaque = [i for i, a in enumerate(served[3]) if a == 255]
    assert opaque and len({(served[0][i], served[1][i], served[2][i]) for i in opaque}) > 20  # a ramp, not a flat fill


@pytest.mark.parametrize("ext, media, driver", [("webp", "image/webp", "WEBP"), ("jpg", "image/jpeg", "JPEG")])
def test_webp_and_jpeg_tiles(client, imagery_layer, ext, media, driver):
    response = client.get(url(imagery_layer, INSIDE, ext))
    assert response.status_code == 200 and response["Content-Type"] == media
    name = f"/vsimem/t.{ext}"
    gdal.FileFromMemBuffer(name, response.content)
    ds = gdal.Open(name)
    assert ds.GetDriver().ShortName == driver and ds.RasterCount in ((3,) if ext == "jpg" else (3, 4))
    ds = None
    gdal.Unlink(name)


def test_tiles_are_cached_with_etags(client, imagery_layer):
    first = client.get(url(imagery_layer, INSIDE))
    again = client.get(url(imagery_layer, INSIDE))
    assert (first["X-Tile-Cache"], again["X-Tile-Cache"]) == ("miss", "hit")
    assert again.content == first.content and again["Cache-Control"].startswith("public")
    assert client.get(url(imagery_layer, INSIDE), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_fast_path_answers_cached_public_image_tiles(imagery_layer):
    recorder = Recorder()
    fast = TileFastPath(recorder)
    status, headers, body = call(fast, url(imagery_layer, INSIDE, "jpg"))
    assert (status, headers["x-tile-cache"], recorder.calls) == (200, "miss", 1)
    status, again, cached = call(fast, url(imagery_layer, INSIDE, "jpg"))
    assert (status, again["x-tile-cache"], recorder.calls) == (200, "hit", 1)
    assert cached == body and again["content-type"] == "image/jpeg"


def test_replace_keeps_the_layer_and_drops_its_cached_tiles(client, users, elevation_layer, tmp_path,
                                                          django_capture_on_commit_callbacks):
    before = client.get(url(elevation_layer, INSIDE))
    assert client.get(url(elevation_layer, INSIDE))["X-Tile-Cache"] == "hit"
    client.force_login(users["planning_manager"])
    flat = write_elevation(tmp_path / "flat.tif", nodata_corner=False, width=40, height=24)
    with open(flat, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        job = client.post("/api/imports/", {"file": handle, "layer": elevation_layer.slug, "mode": "replace"}).json()
    assert client.get(job["url"]).json()["layer"]["slug"] == elevation_layer.slug
    after = client.get(url(elevation_layer, INSIDE))
    assert after["X-Tile-Cache"] == "miss" and after.content != before.content


def test_a_hidden_raster_layer_answers_as_a_missing_one(client, users, elevation_layer):
    Layer.objects.filter(pk=elevation_layer.pk).update(visibility=Layer.Visibility.DEPARTMENT)
    for path in (url(elevation_layer, INSIDE), f"/tiles/{elevation_layer.slug}.json"):
        hidden = client.get(path)
        missing = client.get(path.replace(elevation_layer.slug, "no-such-layer"))
        assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content
    client.force_login(users["education_editor"])
    assert client.get(url(elevation_layer, INSIDE)).status_code == 404
    client.force_login(users["planning_editor"])
    assert client.get(url(elevation_layer, INSIDE)).status_code == 200


def test_a_token_in_the_header_sees_what_it_may(client, elevation_layer, departments):
    Layer.objects.filter(pk=elevation_layer.pk).update(visibility=Layer.Visibility.DEPARTMENT)
    _, raw = token_issue(name="gis", departments=[departments["planning"]])
    assert client.get(url(elevation_layer, INSIDE), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get(url(elevation_layer, INSIDE), HTTP_AUTHORIZATION="Bearer gp_nope").status_code == 401


@pytest.mark.parametrize("ext", ["mvt", "geojson"])
def test_vector_tiles_of_a_raster_layer_point_to_png(client, elevation_layer, ext):
    response = client.get(url(elevation_layer, INSIDE, ext))
    assert response.status_code == 404 and "raster layer: use .png" in response.json()["error"]


@pytest.mark.django_db(transaction=True)  # MapServer reads the features through a connection of its own
def test_a_vector_layer_has_image_tiles_too(client, school_layer):
    tile = tile_at(126.63, 45.75, 14)
    response = client.get(f"/tiles/schools/{tile.z}/{tile.x}/{tile.y}.png")
    served = bands_of(response.content)
    assert response.status_code == 200 and any(served[3])  # the school's symbol is drawn


def test_tilejson_of_a_raster_layer(client, elevation_layer):
    document = client.get(f"/tiles/{elevation_layer.slug}.json").json()
    assert document["tiles"] == [f"http://testserver/tiles/{elevation_layer.slug}/{{z}}/{{x}}/{{y}}.png"]
    assert document["bounds"] == pytest.approx([126.55, 45.70, 126.75, 45.82], abs=1e-6)
    # 0.00125° pixels ≈ 97 m across at 45.76° N: zoom 11 (76 m) is the first as fine.
    assert (document["minzoom"], document["maxzoom"]) == (0, 11)
    assert "vector_layers" not in document
