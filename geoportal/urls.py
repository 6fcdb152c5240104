from django.contrib import admin
from django.urls import include, path

from geoportal import views
from geoportal.accounts.lockout import LockoutAdminAuthenticationForm
from geoportal.observability import views as observability_views
from geoportal.security import csp as csp_policy
from geoportal.security.reports import csp_report
from layers.catalogue import views as catalogue_views
from layers.ogcapi import views as ogcapi_views

admin.site.login_form = LockoutAdminAuthenticationForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", observability_views.readyz, name="readyz"),
    path("metrics", observability_views.metrics_view, name="metrics"),
    path(csp_policy.REPORT_PATH.lstrip("/"), csp_report, name="csp-report"),
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
    # Resource catalogue (layers/catalogue): pages, per-record ISO 19139 / DCAT, and CSW 2.0.2.
    path("catalogue/", include("layers.catalogue.urls")),
    path("csw", catalogue_views.csw, name="catalogue_csw"),
    # Share requests between departments (layers/sharing).
    path("sharing/", include("layers.sharing.urls")),
    path("", include("annotations.urls")),
    path("", include("frontend.urls")),
]
