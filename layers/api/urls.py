from django.urls import path

from layers.api import views

app_name = "layers_api"
urlpatterns = [
    path("layers/", views.layer_list, name="layer-list"),
    path("layers/<slug:slug>/", views.layer_detail, name="layer-detail"),
    path("layers/<slug:slug>/features/", views.layer_features, name="layer-features"),
]
