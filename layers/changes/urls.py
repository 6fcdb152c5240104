from django.urls import path

from layers.changes import views, webhook_views

urlpatterns = [
    path("ogc/collections/<slug:collection_id>/changes", views.ogc_changes, name="ogc-changes"),
    path("api/layers/<slug:slug>/changes/", views.LayerChanges.as_view(), name="layer-changes"),
    path("api/webhooks/", webhook_views.SubscriptionList.as_view(), name="webhook-list"),
    path("api/webhooks/<int:pk>/", webhook_views.SubscriptionDetail.as_view(), name="webhook-detail"),
    path("api/webhooks/<int:pk>/deliveries/", webhook_views.DeliveryList.as_view(), name="webhook-deliveries"),
    path("api/webhooks/<int:pk>/redeliver/", webhook_views.Redeliver.as_view(), name="webhook-redeliver"),
    path("webhooks/", webhook_views.staff_page, name="webhook-page"),
]
