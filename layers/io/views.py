"""The browser's import page. It talks to the same API as scripts do (layers/io/api)."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from layers.io.crs import supported_epsg
from layers.permissions import layers_for
from layers.schema import parse_schema


@require_GET
@login_required
@ensure_csrf_cookie
def import_page(request):
    user = request.user
    editable = layers_for(user, "edit").order_by("title_zh")
    if not (user.is_department_staff or user.is_platform_admin or editable.exists()):
        raise PermissionDenied("Importing needs edit rights on a layer.")
    config = {
        "urls": {"imports": "/api/imports/"},
        "can_create": user.is_department_staff,
        "layers": [{"slug": layer.slug, "title": layer.title, "geometry_type": layer.geometry_type,
                    "fields": [f.name for f in parse_schema(layer.schema)]} for layer in editable],
        "crs": [{"code": f"EPSG:{code}", "name": name} for code, name in sorted(supported_epsg().items())]
        + [{"code": "GCJ02", "name": "GCJ-02（火星坐标，国内网络地图）"}],
    }
    return render(request, "layers_io/import.html", {"config": config})
