from django.apps import AppConfig


class LayersApiConfig(AppConfig):
    name = "layers.api"
    label = "layers_api"
    verbose_name = "REST API and tokens"
