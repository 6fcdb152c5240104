"""Large layers are drawn from vector tiles, and their features still open popups."""
from django.contrib.gis.geos import Polygon
from django.db import connection

from layers.models import Layer
from layers.services import feature_create, layer_refresh_stats
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


def test_a_dense_tiled_layer_pans_and_zooms_without_stalling_the_page(page, live_server, departments,
                                                                      clean_tile_cache):
    """30,000 building footprints around the centre (up to the 4,000-feature budget per tile): every
    task the page runs while it is panned and zoomed through them stays short."""
    layer = make_layer("dense-buildings", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO layers_feature (layer_id, geom, properties, name, version, created_at, updated_at)
            SELECT %s, ST_MakeEnvelope(x, y, x + 0.0004, y + 0.0003, 4326),
                   jsonb_build_object('name', '楼' || i, 'floors', 1 + i %% 30), '楼' || i, 1, now(), now()
            FROM (SELECT i, 126.560 + (i %% 200) * 0.0008 AS x, 45.700 + (i / 200) * 0.0008 AS y
                  FROM generate_series(0, 29999) AS i) g
            """,
            [layer.pk],
        )
    layer_refresh_stats(layer=layer)
    page.add_init_script("""
        window.longTasks = [];
        new PerformanceObserver(list => list.getEntries().forEach(e => window.longTasks.push(e.duration)))
          .observe({type: "longtask", buffered: true});
    """)
    tiles = []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/dense-buildings/" in r.url else None)
    page.goto(live_server.url + "/#14/45.760/126.640")
    page.wait_for_selector("canvas.leaflet-tile")
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for step in range(6):
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx - 150 + 60 * step, cy + 90 - 30 * step, steps=8)
        page.mouse.up()
        page.wait_for_timeout(250)
    for zoom in (15, 13, 16, 14):
        page.evaluate(f"() => geoportal.map.setZoom({zoom}, {{animate: false}})")
        page.wait_for_timeout(400)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert len(tiles) >= 20 and set(tiles) <= {200, 204, 304}
    longest = max(page.evaluate("window.longTasks") or [0])
    assert longest < 500, f"the page was blocked for {longest:.0f} ms"
