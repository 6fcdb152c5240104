from django.apps import AppConfig


class OgcApiConfig(AppConfig):
    name = "layers.ogcapi"
    label = "layers_ogcapi"
    verbose_name = "OGC API - Features"
