"""The admin's geometry widget runs on our own OpenLayers, with the districts as its backdrop,
and asks nothing of any other host."""
from django.contrib.gis.geos import Point

from layers.models import Feature


def test_feature_change_page_draws_the_feature_over_the_districts(page, live_server, admin_with_backdrop,
                                                                  school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/admin/login/?next=/admin/layers/feature/{feature.pk}/change/")
    page.fill("input[name=username]", "widget_admin")
    page.fill("input[name=password]", "pw-widget_admin")
    page.click("input[type=submit]")
    page.wait_for_selector(".dj_map .ol-viewport")
    page.wait_for_function("() => geodjango_geom.options.base_layer.getSource().getFeatures().length === 1")
    assert page.evaluate("() => geodjango_geom.featureCollection.getLength()") == 1
    assert any(url.endswith("/static/frontend/vendor/ol/ol.js") for url in requested)
    assert any("/api/layers/districts/features/" in url for url in requested)

    # Moving the point in the form saves through the services: a new version, in EPSG:4326.
    moved = Point(126.66, 45.77, srid=4326).transform(3857, clone=True)
    page.evaluate("(value) => { document.getElementById('id_geom').value = value; }", moved.geojson)
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/layers/feature/")
    feature.refresh_from_db()
    assert feature.version == 2 and round(feature.geom.x, 4) == 126.66
