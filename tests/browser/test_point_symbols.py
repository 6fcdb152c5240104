"""Point layers are drawn with their style's symbol, on the map and in the legend."""
import re

from django.contrib.gis.geos import Point

from layers.services import feature_create
from tests.browser.conftest import wait_for_map
from tests.conftest import make_layer


def vertex_count(path: str) -> int:
    return len(re.findall(r"[ML]", path))


def test_square_and_star_symbols(page, live_server, departments):
    schema = [{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"}]
    for offset, (slug, symbol) in enumerate((("squares", "square"), ("stars", "star"), ("dots", "circle"))):
        layer = make_layer(slug, departments["planning"], schema=schema,
                           style={"stroke": "#123456", "fill": "#abcdef", "radius": 7, "symbol": symbol})
        feature_create(layer=layer, geometry=Point(126.60 + offset * 0.04, 45.75, srid=4326), properties={"name": slug})
    page.goto(live_server.url + "/")
    wait_for_map(page)

    paths = page.locator(".leaflet-gp-point-pane path").evaluate_all("nodes => nodes.map(n => n.getAttribute('d'))")
    counts = sorted(vertex_count(d) for d in paths)
    # A square has 4 corners, a star 10 points; Leaflet draws a circle with two arcs (M + 0 L).
    assert 4 in counts and 10 in counts and len(paths) == 3

    square = page.locator("[data-swatch=squares] path").get_attribute("d")
    star = page.locator("[data-swatch=stars] path").get_attribute("d")
    assert vertex_count(square) == 4 and vertex_count(star) == 10
    assert page.locator("[data-swatch=dots] circle").count() == 1

    # The shaped marker still opens its popup.
    page.locator(".leaflet-gp-point-pane path").nth(paths.index(next(d for d in paths if vertex_count(d) == 4))).click()
    assert page.locator(".leaflet-popup-content h3").inner_text() == "squares"
