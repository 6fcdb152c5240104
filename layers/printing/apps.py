from django.apps import AppConfig


class LayersPrintingConfig(AppConfig):
    name = "layers.printing"
    label = "layers_printing"
    verbose_name = "Printed maps"
    default_auto_field = "django.db.models.BigAutoField"
