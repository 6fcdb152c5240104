from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "layers.sharing"
    label = "sharing"
    verbose_name = "Share requests"
