from django.apps import AppConfig


class TilesConfig(AppConfig):
    """Vector and GeoJSON tiles. An app (without tables) so that the cache invalidation is
    connected in every process that writes features, not only in those that serve tiles."""

    name = "layers.tiles"
    label = "tiles"
    verbose_name = "Tiles"

    def ready(self):
        from layers.signals import features_changed
        from layers.tiles import checks  # noqa: F401  (registers the system checks)
        from layers.tiles.cache import on_features_changed

        features_changed.connect(on_features_changed, dispatch_uid="tiles.invalidate")
