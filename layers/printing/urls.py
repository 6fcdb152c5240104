from django.urls import path  # noqa: F401

app_name = "layers_printing"
urlpatterns: list = []
