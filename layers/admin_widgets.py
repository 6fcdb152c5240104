"""The admin's geometry widget, served entirely from our own static files.

Django's OpenLayersWidget loads OpenLayers from a CDN and draws NASA or OpenStreetMap tiles;
ours loads the OpenLayers copied from npm by scripts/vendor.sh and, as the backdrop, draws the
configured base map (BASEMAP_URL) or else the city's district boundaries from our own API. Its
template holds no inline script (the Content-Security-Policy runs none): the options are rendered
as JSON and layers/admin/mapwidget.js starts the widget.
"""
from django.conf import settings
from django.contrib.gis.forms.widgets import OpenLayersWidget
from django.urls import reverse

BACKDROP_LAYER = "districts"


class LocalOpenLayersWidget(OpenLayersWidget):
    template_name = "layers/admin/openlayers.html"

    class Media:
        extend = False  # drop the parent's CDN links
        css = {"all": ("frontend/vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("frontend/vendor/ol/ol.js", "gis/js/OLMapWidget.js", "layers/admin/mapwidget.js")

    def __init__(self, attrs=None):
        lat, lon = settings.MAP_CENTER
        super().__init__(attrs={"default_lon": lon, "default_lat": lat, "default_zoom": settings.MAP_ZOOM,
                                **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["id"]
        context["widget_options_id"] = f"{widget_id}_options"
        context["widget_options"] = {
            "geom_name": context["geom_type"],
            "id": widget_id,
            "map_id": f"{widget_id}_map",
            "map_srid": context["map_srid"],
            "name": context["name"],
            "module": context["module"],
            "default_lon": context["default_lon"],
            "default_lat": context["default_lat"],
            "default_zoom": context["default_zoom"],
            "basemap_url": settings.BASEMAP_URL,
            "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
            "backdrop_url": reverse("layers_api:layer-features", args=[BACKDROP_LAYER]),
        }
        return context
