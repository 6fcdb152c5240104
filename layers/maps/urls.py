from django.urls import path

from layers.maps import views

urlpatterns = [
    path("", views.wms, name="wms"),
]
