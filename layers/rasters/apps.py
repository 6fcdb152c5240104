from django.apps import AppConfig


class LayersRastersConfig(AppConfig):
    name = "layers.rasters"
    label = "layers_rasters"
    verbose_name = "Raster layers"
