from django.urls import path

from layers.ogcapi import views

app_name = "ogcapi"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("conformance", views.conformance, name="conformance"),
    path("api", views.api, name="api"),
    path("collections", views.collections, name="collections"),
    path("collections/<slug:collection_id>", views.collection, name="collection"),
    path("collections/<slug:collection_id>/queryables", views.queryables, name="queryables"),
    path("collections/<slug:collection_id>/items", views.items, name="items"),
    path("collections/<slug:collection_id>/items/<str:feature_id>", views.item, name="item"),
    path("tileMatrixSets", views.tile_matrix_sets, name="tile_matrix_sets"),
    path("tileMatrixSets/<str:tms_id>", views.tile_matrix_set, name="tile_matrix_set"),
    path("collections/<slug:collection_id>/tiles", views.tilesets, name="tilesets"),
    path("collections/<slug:collection_id>/tiles/<str:tms_id>", views.tileset, name="tileset"),
    # The tile's numbers are captured as text so that bad ones get a 400 with a message.
    path("collections/<slug:collection_id>/tiles/<str:tms_id>/<str:matrix>/<str:row>/<str:col>", views.tile,
         name="tile"),
    path("collections/<slug:collection_id>/map", views.collection_map, name="collection_map"),
    path("collections/<slug:collection_id>/map/tiles", views.map_tilesets, name="map_tilesets"),
    path("collections/<slug:collection_id>/map/tiles/<str:tms_id>", views.map_tileset, name="map_tileset"),
    path("collections/<slug:collection_id>/map/tiles/<str:tms_id>/<str:matrix>/<str:row>/<str:col>",
         views.map_tile, name="map_tile"),
    path("map", views.dataset_map, name="map"),
]
