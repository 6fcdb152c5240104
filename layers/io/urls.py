from django.urls import path

from layers.io import views

app_name = "layers_io"
urlpatterns = [path("import/", views.import_page, name="import")]
