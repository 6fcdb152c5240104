from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from geoportal import views
from geoportal.accounts.lockout import LockoutAdminAuthenticationForm
from geoportal.observability import views as observability_views
from layers.ogcapi import views as ogcapi_views

admin.site.login_form = LockoutAdminAuthenticationForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", observability_views.readyz, name="readyz"),
    path("metrics", observability_views.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("geoportal.accounts.urls")),
    path("audit/", include("geoportal.audit.urls")),  # the audit administrator's page
    path("i18n/", include("django.conf.urls.i18n")),
    # Change feed and webhooks (layers/changes): before api/ and ogc/, whose patterns do not name them.
    path("", include("layers.changes.urls")),
    path("api/edit/", include("layers.editing.urls")),
    path("api/search", include("layers.search.urls")),
    path("api/prints/", include("layers.printing.urls")),
    path("api/", include("layers.api.urls")),
    path("tiles/", include("layers.tiles.urls")),
    path("wms", include("layers.maps.urls")),
    path("", include("layers.wmts.urls")),
    path("api/", include("layers.io.api.urls")),
    path("", include("layers.io.urls")),
    path("ogc", ogcapi_views.landing),
    path("ogc/", include("layers.ogcapi.urls")),
    path("", include("annotations.urls")),
    path("", include("frontend.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
