"""OGC API - Tiles: matrix sets, tilesets of vector and raster collections, tiles decoded with real
clients (the MVT decoder, GDAL for images), errors, and restricted collections kept out."""
from __future__ import annotations

import json
import subprocess

import pytest

from layers.api.tokens import token_issue
from layers.ogcapi import conformance
from layers.tiles.grid import tile_at
from layers.tiles.matrixsets import matrix_set, tiles_covering
from tests import ogcapi_layers
from tests.ogcapi_layers import decode_image, raster_layer_for_tests
from tests.raster_factories import HARBIN_BOUNDS
from tests.tiles_support import decode_mvt

SCHOOL = (126.63, 45.75)
hidden_layer = ogcapi_layers.hidden_layer
dem = ogcapi_layers.dem


def test_tile_matrix_sets_are_listed_and_described(client, db):
    listing = client.get("/ogc/tileMatrixSets").json()
    assert {s["id"] for s in listing["tileMatrixSets"]} == {"WebMercatorQuad", "c", "w"}
    c = client.get("/ogc/tileMatrixSets/c").json()
    assert c["crs"].endswith("/EPSG/0/4490")
    first = c["tileMatrices"][0]
    assert (first["id"], first["matrixWidth"], first["matrixHeight"]) == ("1", 2, 1)
    assert first["pointOfOrigin"] == [90.0, -180.0] and c["orderedAxes"] == ["Lat", "Lon"]
    # TMS 2.0 ties the scale to cellSize by OGC's 0.28 mm pixel (clients derive the pixel from it);
    # Tianditu's 96-dpi figures are WMTS's only.
    assert first["cellSize"] == 0.703125
    assert first["scaleDenominator"] == pytest.approx(0.703125 * 111319.49079327357 / 0.28e-3, rel=1e-12)
    # The same matrices in TMS 1.0's members, which GDAL 3.6 reads.
    assert c["type"] == "TileMatrixSetType" and c["supportedCRS"] == c["crs"]
    assert c["tileMatrix"][0]["topLeftCorner"] == [90.0, -180.0] and len(c["tileMatrix"]) == 20
    quad = client.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert len(quad["tileMatrices"]) == 25 and quad["uri"].endswith("/WebMercatorQuad")
    missing = client.get("/ogc/tileMatrixSets/EPSG4326")
    assert missing.status_code == 404 and "WebMercatorQuad" in missing.json()["description"]


def test_landing_conformance_and_collection_link_tiles_and_maps(client, school_layer):
    landing = client.get("/ogc/").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"].endswith("/ogc/tileMatrixSets")
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    for uri in (conformance.TILES_CORE, conformance.TILES_TILESET, conformance.TILES_MVT, conformance.MAPS_CORE):
        assert uri in conforms
    collection = client.get("/ogc/collections/schools").json()
    rels = {link["rel"]: link["href"] for link in collection["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"].endswith("/collections/schools/tiles")
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/map"].endswith("/collections/schools/map")


def test_vector_collection_serves_its_mvt_tiles(client, school_layer, clean_tile_cache):
    sets = client.get("/ogc/collections/schools/tiles").json()["tilesets"]
    assert [(s["dataType"], s["tileMatrixSetURI"].rsplit("/", 1)[1]) for s in sets] == [("vector", "WebMercatorQuad")]
    meta = client.get("/ogc/collections/schools/tiles/WebMercatorQuad").json()
    template = next(link["href"] for link in meta["links"] if link["rel"] == "item")
    tile = tile_at(*SCHOOL, 14)
    limits = {lim["tileMatrix"]: lim for lim in meta["tileMatrixSetLimits"]}
    assert limits["14"]["minTileCol"] <= tile.x <= limits["14"]["maxTileCol"]
    assert limits["14"]["minTileRow"] <= tile.y <= limits["14"]["maxTileRow"]
    url = template.replace("{tileMatrix}", "14").replace("{tileRow}", str(tile.y)).replace("{tileCol}", str(tile.x))
    response = client.get(url.split("testserver", 1)[1])
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    names = sorted(f["properties"]["name"] for f in decode_mvt(response.content)["schools"]["features"])
    assert "第1中学" in names
    # The same bytes as the XYZ endpoint: one tile, two addresses.
    assert client.get(f"/tiles/schools/14/{tile.x}/{tile.y}.mvt").content == response.content
    again = client.get(url.split("testserver", 1)[1], headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    empty = client.get(f"/ogc/collections/schools/tiles/WebMercatorQuad/14/{tile.y + 40}/{tile.x}")
    assert empty.status_code == 204
    assert client.get("/ogc/collections/schools/tiles/c").status_code == 404


@pytest.mark.parametrize(("path", "status"), [
    ("/ogc/collections/schools/tiles/WebMercatorQuad/14/1/99999", 404),  # column outside the matrix
    ("/ogc/collections/schools/tiles/WebMercatorQuad/25/0/0", 404),  # level outside the set
    ("/ogc/collections/schools/tiles/WebMercatorQuad/14/x/0", 400),
    ("/ogc/collections/schools/tiles/WebMercatorQuad/14/0/0?f=png", 400),  # vector tiles are MVT
    ("/ogc/collections/schools/tiles/nosuchset", 404),
    ("/ogc/collections/nosuch/tiles", 404),
])
def test_bad_tile_requests_get_a_message(client, school_layer, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["description"]


def test_raster_collection_serves_map_tiles_in_every_set(client, dem, clean_tile_cache):
    slug = dem.slug
    sets = client.get(f"/ogc/collections/{slug}/tiles").json()["tilesets"]
    assert {s["dataType"] for s in sets} == {"map"} and len(sets) == 3
    c = matrix_set("c")
    col, row, _, _ = tiles_covering(c, (126.65, 45.76, 126.65, 45.76), 12)
    meta = client.get(f"/ogc/collections/{slug}/tiles/c").json()
    assert any(lim["tileMatrix"] == "12" for lim in meta["tileMatrixSetLimits"])
    response = client.get(f"/ogc/collections/{slug}/tiles/c/12/{row}/{col}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = decode_image(response.content, "ogc-c.png")
    assert (image.RasterXSize, image.RasterYSize) == (256, 256)
    alpha = image.GetRasterBand(image.RasterCount).ReadRaster()
    assert max(alpha) == 255  # the elevation is drawn inside its footprint
    jpeg = client.get(f"/ogc/collections/{slug}/tiles/WebMercatorQuad/12/{tile_at(126.65, 45.76, 12).y}/"
                      f"{tile_at(126.65, 45.76, 12).x}?f=jpeg")
    assert jpeg.status_code == 200 and jpeg.content[:3] == b"\xff\xd8\xff"


def assert_answers_as_missing(client, *paths: str) -> None:
    """Each path of the hidden collection answers exactly as the same path of a missing one."""
    for path in paths:
        hidden, missing = client.get(path), client.get(path.replace("planning-secret", "nosuch"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["description"].replace("planning-secret", "X") == \
            missing.json()["description"].replace("nosuch", "X")


def test_restricted_collection_is_absent_and_answers_as_missing(client, users, school_layer, hidden_layer):
    assert_answers_as_missing(client, "/ogc/collections/planning-secret/tiles",
                              "/ogc/collections/planning-secret/tiles/WebMercatorQuad",
                              "/ogc/collections/planning-secret/tiles/WebMercatorQuad/14/5000/14000")
    token = token_issue(name="city-gis", layers=[hidden_layer])[1]
    seen = client.get("/ogc/collections/planning-secret/tiles", headers={"Authorization": f"Bearer {token}"})
    assert seen.status_code == 200 and seen.json()["tilesets"]
    client.force_login(users["planning_editor"])
    assert client.get("/ogc/collections/planning-secret/tiles/WebMercatorQuad").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_gdal_opens_a_raster_collection_through_its_c_tileset(live_server, settings, users, tmp_path):
    """GDAL's OGCAPI driver walks collection → tilesets → tileset → TMS JSON and georeferences level 9
    of `c` over the raster. (GDAL 3.6 then sizes a level's rows by the whole matrix where
    TileMatrixSetLimits cut it, so its image is squashed north-south: pixels are compared through
    WMTS and the tile endpoint instead.)"""
    layer = raster_layer_for_tests(settings, users, tmp_path, "ortho")
    result = subprocess.run(["gdalinfo", "-json", f"OGCAPI:{live_server.url}/ogc/collections/{layer.slug}",
                             "-oo", "API=TILES", "-oo", "TILEMATRIXSET=c", "-oo", "TILEMATRIX=9"],
                            check=True, capture_output=True, text=True, timeout=120)
    info = json.loads(result.stdout)
    assert 'ID["EPSG",4490]' in info["coordinateSystem"]["wkt"]
    west, dx = info["geoTransform"][0], info["geoTransform"][1]
    assert dx == pytest.approx(0.703125 / 2 ** 8)  # level 9's cell size, read from the TMS JSON
    corners = info["cornerCoordinates"]
    raster_west, raster_south, raster_east, raster_north = HARBIN_BOUNDS
    assert west <= raster_west and corners["upperRight"][0] >= raster_east - dx
    assert corners["upperLeft"][1] >= raster_north - 0.001 and corners["lowerLeft"][1] <= raster_south + 0.001


def opaque_pixels(body: bytes, name: str) -> int:
    image = decode_image(body, name)
    return sum(1 for value in image.GetRasterBand(image.RasterCount).ReadRaster() if value)


@pytest.mark.django_db(transaction=True)  # MapServer reads the features through a connection of its own
def test_vector_collection_offers_map_tiles_in_every_set(client, school_layer, clean_tile_cache):
    collection = client.get("/ogc/collections/schools").json()
    rels = {link["rel"]: link["href"] for link in collection["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tilesets-map"].endswith("/collections/schools/map/tiles")
    sets = client.get("/ogc/collections/schools/map/tiles").json()["tilesets"]
    assert [(s["dataType"], s["tileMatrixSetURI"].rsplit("/", 1)[1]) for s in sets] == [
        ("map", "c"), ("map", "w"), ("map", "WebMercatorQuad")]
    meta = client.get("/ogc/collections/schools/map/tiles/c").json()
    template = next(link["href"] for link in meta["links"] if link["rel"] == "item")
    assert template.endswith("/collections/schools/map/tiles/c/{tileMatrix}/{tileRow}/{tileCol}")
    assert next(link["type"] for link in meta["links"] if link["rel"] == "item") == "image/png"
    col, row, _, _ = tiles_covering(matrix_set("c"), (*SCHOOL, *SCHOOL), 14)
    limits = {lim["tileMatrix"]: lim for lim in meta["tileMatrixSetLimits"]}
    assert limits["14"]["minTileCol"] <= col <= limits["14"]["maxTileCol"]
    response = client.get(f"/ogc/collections/schools/map/tiles/c/14/{row}/{col}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert opaque_pixels(response.content, "map-c.png") > 0  # the school's symbol is drawn
    # One tile, two addresses: WMTS serves the same image.
    assert client.get(f"/wmts/1.0.0/schools/default/c/14/{row}/{col}.png").content == response.content
    tile = tile_at(*SCHOOL, 14)
    webp = client.get(f"/ogc/collections/schools/map/tiles/WebMercatorQuad/14/{tile.y}/{tile.x}?f=webp")
    assert webp.status_code == 200 and webp.content[8:12] == b"WEBP"
    assert client.get(f"/ogc/collections/schools/map/tiles/WebMercatorQuad/14/{tile.y}/{tile.x}?f=mvt"
                      ).status_code == 400
    # The MVT tilesets are unchanged beside them.
    assert [s["dataType"] for s in client.get("/ogc/collections/schools/tiles").json()["tilesets"]] == ["vector"]


def test_map_tiles_of_a_restricted_collection_answer_as_missing(client, school_layer, hidden_layer):
    assert_answers_as_missing(client, "/ogc/collections/planning-secret/map/tiles",
                              "/ogc/collections/planning-secret/map/tiles/c",
                              "/ogc/collections/planning-secret/map/tiles/c/14/4000/27900")

