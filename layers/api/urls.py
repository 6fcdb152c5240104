from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from layers.api import views

app_name = "layers_api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the page runs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="layers_api:schema",
                                                      template_name="layers_api/swagger_ui.html"), name="docs"),
    path("layers/", views.LayerList.as_view(), name="layer-list"),
    path("layers/<slug:slug>/", views.LayerDetail.as_view(), name="layer-detail"),
    path("layers/<slug:slug>/features/", views.FeatureList.as_view(), name="layer-features"),
    path("layers/<slug:slug>/features/<int:feature_id>/", views.FeatureDetail.as_view(), name="feature-detail"),
]
