from django.contrib.gis.geos import MultiPolygon, Polygon

from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer


def test_map_page_draws_a_public_layer(page, live_server, departments):
    layer = make_layer("districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                       schema=[{"name": "name", "type": "string", "label_zh": "名称", "label_en": "Name"}],
                       theme="boundaries")
    feature_create(layer=layer, geometry=MultiPolygon(Polygon.from_bbox((126.60, 45.70, 126.70, 45.80)), srid=4326),
                   properties={"name": "南岗区"})
    page.goto(live_server.url + "/")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator("#gp-layer-districts").is_checked()
    assert page.locator(".leaflet-overlay-pane path").count() == 1
