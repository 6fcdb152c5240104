from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "layers.catalogue"
    label = "catalogue"
    verbose_name = "Resource catalogue"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from layers.catalogue.freshness import on_features_changed, on_layer_saved
        from layers.models import Layer
        from layers.signals import features_changed

        post_save.connect(on_layer_saved, sender=Layer, dispatch_uid="catalogue.layer_saved")
        features_changed.connect(on_features_changed, dispatch_uid="catalogue.features_changed")
