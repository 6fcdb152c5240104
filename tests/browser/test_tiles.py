"""Large layers are drawn from vector tiles, and their features still open popups."""
from django.contrib.gis.geos import Polygon

from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer

SCHEMA = [{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"},
          {"name": "floors", "type": "integer", "label_zh": "层数", "label_en": "Floors"}]
# Around the map's default centre (45.757, 126.642) at its default zoom.
BUILDINGS = [((126.640, 45.755), "中央大街1号", 3), ((126.660, 45.765), "红军街8号", 12),
             ((126.620, 45.745), "学府路2号", 5)]


def test_a_tiled_layer_draws_its_features_and_opens_popups(page, live_server, departments, settings,
                                                           clean_tile_cache):
    settings.MAP_TILED_LAYER_THRESHOLD = 2
    layer = make_layer("buildings", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=SCHEMA)
    for (lon, lat), name, floors in BUILDINGS:
        feature_create(layer=layer, geometry=Polygon.from_bbox((lon - 0.002, lat - 0.0015, lon + 0.002, lat + 0.0015)),
                       properties={"name": name, "floors": floors})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    with page.expect_response(lambda r: "/tiles/buildings/" in r.url and r.status == 200) as tile_response:
        page.goto(live_server.url + "/")
    assert tile_response.value.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    page.wait_for_selector("canvas.leaflet-tile")
    page.wait_for_timeout(300)  # let VectorGrid paint the tile it has just received
    assert not any("/api/layers/buildings/features/" in url for url in requested)

    (lon, lat), name, floors = BUILDINGS[1]
    point = page.evaluate(f"() => geoportal.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator("#map").bounding_box()
    painted = page.evaluate(
        """([x, y]) => {
          for (const canvas of document.querySelectorAll("canvas.leaflet-tile")) {
            const r = canvas.getBoundingClientRect();
            if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
            const scale = canvas.width / r.width;
            const pixel = canvas.getContext("2d").getImageData((x - r.left) * scale, (y - r.top) * scale, 1, 1).data;
            return pixel[3];
          }
          return -1;
        }""",
        [box["x"] + point["x"], box["y"] + point["y"]],
    )
    assert painted > 0  # the building is drawn on the tile's canvas
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".leaflet-popup .gp-popup")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == name
    assert "12" in popup.locator("table").inner_text()
