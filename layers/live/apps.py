from django.apps import AppConfig


class LiveConfig(AppConfig):
    """An app (without tables) so that publishing is connected in every process that writes
    features; listed after layers.tiles, so that tiles are invalidated before a map refetches them."""

    name = "layers.live"
    label = "live"
    verbose_name = "Live map"

    def ready(self):
        from layers.live import checks  # noqa: F401  (registers the system checks)
        from layers.live.events import on_features_changed
        from layers.signals import features_changed

        features_changed.connect(on_features_changed, dispatch_uid="live.publish")
