from django.urls import path

from layers.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("<slug:slug>/", views.record_page, name="record"),
    path("<slug:slug>/edit/", views.record_edit, name="edit"),
    path("<slug:slug>/iso19139.xml", views.record_iso, name="iso19139"),
    path("<slug:slug>/dcat.jsonld", views.record_dcat, name="dcat"),
]
