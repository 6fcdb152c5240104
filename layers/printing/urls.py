from django.urls import path

from layers.printing import views

app_name = "layers_printing"
urlpatterns = [
    path("", views.PrintListView.as_view(), name="print-list"),
    path("<uuid:pk>/", views.PrintDetailView.as_view(), name="print-detail"),
    path("<uuid:pk>/file", views.PrintFileView.as_view(), name="print-file"),
]
