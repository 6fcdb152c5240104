from django.urls import path

from layers.io.api import views

app_name = "layers_io_api"
urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<uuid:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
]
