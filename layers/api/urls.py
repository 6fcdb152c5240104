from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from layers.api import views

app_name = "layers_api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="layers_api:schema"), name="docs"),
    path("layers/", views.LayerList.as_view(), name="layer-list"),
    path("layers/<slug:slug>/", views.LayerDetail.as_view(), name="layer-detail"),
    path("layers/<slug:slug>/features/", views.FeatureList.as_view(), name="layer-features"),
    path("layers/<slug:slug>/features/<int:feature_id>/", views.FeatureDetail.as_view(), name="feature-detail"),
]
