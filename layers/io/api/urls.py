from django.urls import path

from layers.io.api import export_views, views

app_name = "layers_io_api"
urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<uuid:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("layers/<slug:slug>/export", export_views.LayerExportView.as_view(), name="layer-export"),
]
