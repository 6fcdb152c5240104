"""OGC API - Features Part 2: coordinates in other CRSs match pyproj within 1 cm, axis order per EPSG."""
from __future__ import annotations

import json
import math

import pytest
from pyproj import Transformer

from layers.ogcapi.crs import CRS84, epsg_uri

# Transformers in the authority axis order: (lat, lon) in, the target's own axis order out.
TARGETS = [3857, 4490, 4530, 4551, 4326]


def fetch(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content) if response.streaming else response.content
    return response, json.loads(text)


def metres_apart(code: int, a: tuple[float, float], b: tuple[float, float]) -> float:
    if code in (4326, 4490):  # (lat, lon) in degrees
        dlat = (a[0] - b[0]) * 111_320
        dlon = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
        return math.hypot(dlat, dlon)
    return math.hypot(a[0] - b[0], a[1] - b[1])


@pytest.mark.parametrize("code", TARGETS)
def test_items_match_pyproj_within_a_centimetre(client, school_layer, code):
    _, reference = fetch(client, "/ogc/collections/schools/items")
    response, page = fetch(client, f"/ogc/collections/schools/items?crs={epsg_uri(code)}")
    assert response["Content-Crs"] == f"<{epsg_uri(code)}>"
    to_target = Transformer.from_crs("EPSG:4326", f"EPSG:{code}")
    for ours, ref in zip(page["features"], reference["features"], strict=True):
        lon, lat = ref["geometry"]["coordinates"]
        expected = to_target.transform(lat, lon)
        assert metres_apart(code, tuple(ours["geometry"]["coordinates"]), expected) < 0.01


def test_epsg_4326_is_latitude_first(client, school_layer):
    _, page = fetch(client, f"/ogc/collections/schools/items?crs={epsg_uri(4326)}")
    lat, lon = page["features"][0]["geometry"]["coordinates"]
    assert (round(lat, 2), round(lon, 2)) == (45.75, 126.63)
    _, default = fetch(client, "/ogc/collections/schools/items")
    assert default["features"][0]["geometry"]["coordinates"] == [126.63, 45.75]


def test_gauss_kruger_zone_covers_harbin(client, school_layer):
    response, feature = fetch(client, f"/ogc/collections/schools/items/{school_layer.features.first().pk}"
                                      f"?crs={epsg_uri(4530)}")
    northing, easting = feature["geometry"]["coordinates"]
    assert 42_400_000 < easting < 42_600_000  # zone 42, central meridian 126°E
    assert 5_000_000 < northing < 5_100_000
    assert response["Content-Crs"] == f"<{epsg_uri(4530)}>"


def test_bbox_crs_and_collection_crs_list(client, school_layer):
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    west, south = to_3857.transform(126.64, 45.755)
    east, north = to_3857.transform(126.66, 45.765)
    _, page = fetch(client, f"/ogc/collections/schools/items?bbox={west},{south},{east},{north}"
                            f"&bbox-crs={epsg_uri(3857)}")
    assert [f["properties"]["name"] for f in page["features"]] == ["第2中学"]
    # EPSG:4326 bbox: latitude first.
    _, page = fetch(client, f"/ogc/collections/schools/items?bbox=45.755,126.64,45.765,126.66"
                            f"&bbox-crs={epsg_uri(4326)}")
    assert [f["properties"]["name"] for f in page["features"]] == ["第2中学"]
    _, collection = fetch(client, "/ogc/collections/schools")
    assert collection["storageCrs"] == CRS84
    assert {CRS84, epsg_uri(4326), epsg_uri(3857), epsg_uri(4490), epsg_uri(4530)} <= set(collection["crs"])
    assert client.get("/ogc/collections/schools/items?crs=EPSG:9999").status_code == 400
