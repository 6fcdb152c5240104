from django.apps import AppConfig


class LayersIOConfig(AppConfig):
    name = "layers.io"
    label = "layers_io"
    verbose_name = "Import and export"

    def ready(self) -> None:
        # GeoDjango's in-process GDAL gets the same network/file guards as the ogr2ogr children.
        from layers.io.gdalenv import configure_inprocess_gdal

        configure_inprocess_gdal()
