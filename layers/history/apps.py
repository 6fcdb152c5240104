from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "layers.history"
    label = "history"
    verbose_name = "Feature history and audit log"
