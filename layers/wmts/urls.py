from django.urls import path, re_path

from layers.wmts import views

app_name = "wmts"
urlpatterns = [
    path("wmts", views.kvp, name="kvp"),
    path("wmts/1.0.0/WMTSCapabilities.xml", views.rest_capabilities, name="capabilities"),
    # Every part captured as text, so that a bad value gets an ExceptionReport that names it, not a bare 404.
    re_path(r"^wmts/1\.0\.0/(?P<layer>[^/]+)/(?P<style>[^/]+)/(?P<tms>[^/]+)/(?P<matrix>[^/]+)/(?P<row>[^/]+)/"
            r"(?P<col>[^/.]+)\.(?P<ext>[A-Za-z]+)$", views.rest_tile, name="tile"),
    re_path(r"^wmts/1\.0\.0/(?P<layer>[^/]+)/(?P<style>[^/]+)/(?P<tms>[^/]+)/(?P<matrix>[^/]+)/(?P<row>[^/]+)/"
            r"(?P<col>[^/]+)/(?P<j>[^/]+)/(?P<i>[^/.]+)\.(?P<ext>[A-Za-z]+)$", views.rest_feature_info,
            name="feature-info"),
]
