from rest_framework.renderers import JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    """application/geo+json, which the map and GIS clients ask for."""

    media_type = "application/geo+json"
    format = "geojson"
