from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "layers.changes"
    label = "changes"
    verbose_name = "Change feed and webhooks"

    def ready(self):
        from layers.changes import checks, dispatch  # noqa: F401  (system checks; the features_changed receiver)
