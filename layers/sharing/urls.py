from django.urls import path

from layers.sharing import views

app_name = "sharing"
urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("inbox/", views.inbox, name="inbox"),
    path("matrix/", views.matrix, name="matrix"),
]
