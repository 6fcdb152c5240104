from django.urls import re_path

from layers.tiles import views

app_name = "tiles"
urlpatterns = [
    # z/x/y are captured as text so that bad values get a 400 with a message, not a bare 404.
    re_path(r"^(?P<slug>[-a-zA-Z0-9_]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+?)\.(?P<fmt>mvt|geojson|png|webp|jpg)$",
            views.tile, name="tile"),
    re_path(r"^(?P<slug>[-a-zA-Z0-9_]+)\.json$", views.tilejson, name="tilejson"),
]
