from django.apps import AppConfig


class TilesConfig(AppConfig):
    """Vector and GeoJSON tiles. An app (without tables) so that the cache invalidation is
    connected in every process that writes features, not only in those that serve tiles."""

    name = "layers.tiles"
    label = "tiles"
    verbose_name = "Tiles"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from layers.models import Layer
        from layers.signals import features_changed
        from layers.tiles import checks  # noqa: F401  (registers the system checks)
        from layers.tiles.cache import on_features_changed, on_layer_deleted, on_layer_saved

        features_changed.connect(on_features_changed, dispatch_uid="tiles.invalidate")
        post_save.connect(on_layer_saved, sender=Layer, dispatch_uid="tiles.publish")
        post_delete.connect(on_layer_deleted, sender=Layer, dispatch_uid="tiles.withdraw")
