from django.urls import path

from geoportal.accounts import views as account_views
from layers.editing import layer_views, views

app_name = "editing"
urlpatterns = [
    path("layers/", layer_views.layers_view, name="layers"),
    path("layers/<slug:slug>/", layer_views.layer_manage, name="layer"),
    path("layers/<slug:slug>/schema/dry-run/", layer_views.schema_dry_run, name="schema-dry-run"),
    path("layers/<slug:slug>/grants/", layer_views.grants_view, name="grants"),
    path("audit/", layer_views.audit_log, name="audit"),
    path("members/", account_views.members, name="members"),
    path("layers/<slug:slug>/features/", views.feature_create_view, name="feature-create"),
    path("layers/<slug:slug>/features/<int:feature_id>/", views.feature_detail, name="feature"),
    path("layers/<slug:slug>/features/<int:feature_id>/history/", views.feature_history, name="feature-history"),
    path("layers/<slug:slug>/features/<int:feature_id>/restore/", views.feature_restore, name="feature-restore"),
    path("layers/<slug:slug>/features/<int:feature_id>/split/", views.feature_split_view, name="feature-split"),
    path("layers/<slug:slug>/changes/", views.layer_change_log, name="changes"),
    path("layers/<slug:slug>/changes/<int:feature_id>/restore/", views.feature_undelete_view, name="undelete"),
    path("layers/<slug:slug>/repair/", views.geometry_repair, name="repair"),
]
