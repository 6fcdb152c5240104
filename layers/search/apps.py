from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "layers.search"
    label = "search"
    verbose_name = "Search"
