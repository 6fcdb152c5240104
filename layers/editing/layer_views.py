"""Layer management endpoints for managers (metadata, schema with dry run, style, grants) and
the audit log for managers and administrators. Thin views over layer_services and permissions."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from geoportal.accounts.models import Department, User
from layers.editing.http import BadRequest, error_response, json_body, layer_for
from layers.editing.layer_services import LayerChangeError, layer_create, layer_schema_dry_run, layer_update
from layers.editing.views import editable_layers, editing_endpoint
from layers.history.audit import audit_entries
from layers.history.selectors import parse_asof
from layers.models import LayerGrant
from layers.permissions import layer_grant, layer_revoke, layers_for
from layers.selectors import layer_summary

AUDIT_PAGE = 200


def managing_endpoint(view):
    """editing_endpoint, plus layer-change errors (with dry-run failures) and 403 for non-managers."""

    def inner(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LayerChangeError as exc:
            return error_response(exc.errors, failures=exc.failures)
        except PermissionDenied as exc:
            return error_response({"__all__": str(exc)}, status=403)

    inner.__name__ = view.__name__
    inner.__doc__ = view.__doc__
    return editing_endpoint(inner)


def _grants(layer) -> list[dict]:
    return [
        {"department": g.department.code if g.department else None, "user": g.user.username if g.user else None,
         "level": g.level}
        for g in LayerGrant.objects.filter(layer=layer).select_related("department", "user").order_by("id")
    ]


@require_http_methods(["GET", "POST"])
@managing_endpoint
def layers_view(request):
    """GET: what the user may edit and manage. POST: create a layer (managers, administrators)."""
    if request.method == "GET":
        return editable_layers(request)
    body = json_body(request)
    department = None
    if body.get("department"):
        department = Department.objects.filter(code=body.pop("department")).first()
    layer = layer_create(actor=request.user, slug=str(body.pop("slug", "")), department=department, **body)
    return JsonResponse(layer_summary(layer, get_language() or "zh"), status=201)


@require_http_methods(["GET", "PATCH"])
@managing_endpoint
def layer_manage(request, slug: str):
    layer = layer_for(request.user, slug, "manage")
    if request.method == "PATCH":
        body = json_body(request)
        renames = body.pop("renames", None) or {}
        if not isinstance(renames, dict):
            raise BadRequest({"renames": "Give renames as an object of old name -> new name."})
        layer = layer_update(layer=layer, actor=request.user, changes=body, renames=renames)
    return JsonResponse({**layer_summary(layer, get_language() or "zh"), "grants": _grants(layer)})


@require_POST
@managing_endpoint
def schema_dry_run(request, slug: str):
    """Which features would fail a proposed schema (with renames); nothing is changed."""
    layer = layer_for(request.user, slug, "manage")
    body = json_body(request)
    trial = layer_schema_dry_run(layer=layer, schema=body.get("schema"), renames=body.get("renames") or {})
    return JsonResponse({"checked": trial.checked, "failed": trial.failed, "failures": trial.failures})


@require_http_methods(["POST", "DELETE"])
@managing_endpoint
def grants_view(request, slug: str):
    """POST {department|user, level} gives or changes a grant; DELETE {department|user} takes it back."""
    layer = layer_for(request.user, slug, "grant")
    body = json_body(request)
    department = user = None
    if body.get("department"):
        department = Department.objects.filter(code=body["department"]).first()
        if department is None:
            raise BadRequest({"department": "No such department."})
    if body.get("user"):
        user = User.objects.filter(username=body["user"], is_active=True).first()
        if user is None:
            raise BadRequest({"user": "No such user."})
    try:
        if request.method == "POST":
            layer_grant(layer=layer, actor=request.user, level=str(body.get("level", "")), department=department,
                        user=user)
        else:
            layer_revoke(layer=layer, actor=request.user, department=department, user=user)
    except ValueError as exc:
        raise BadRequest({"__all__": str(exc)}) from exc
    return JsonResponse({"grants": _grants(layer)})


@require_GET
@managing_endpoint
def audit_log(request):
    """The audit log, newest first; managers see their layers', the audit administrator everything
    (the other administrators nothing: separation of duties, docs/security.md "Roles").
    Filters: layer, action, actor, since, until (ISO 8601)."""
    user = request.user
    if not user.is_audit_admin and not (user.is_department_staff and user.role == User.Role.MANAGER):
        raise PermissionDenied("Only managers and the audit administrator read the audit log.")
    params = request.GET
    try:
        since = parse_asof(params["since"]) if params.get("since") else None
        until = parse_asof(params["until"]) if params.get("until") else None
    except ValueError as exc:
        raise BadRequest({"since": str(exc)}) from exc
    entries = audit_entries(
        layers=None if user.is_audit_admin else layers_for(user, "manage"), department_id=user.department_id,
        layer_slug=params.get("layer", ""), action=params.get("action", ""), actor=params.get("actor", ""),
        since=since, until=until,
    )[:AUDIT_PAGE]
    return JsonResponse({"entries": [
        {"id": e.pk, "recorded_at": e.recorded_at.isoformat(), "actor": e.actor.username if e.actor else None,
         "action": e.action, "layer": e.layer_slug, "target": e.target, "changes": e.changes}
        for e in entries
    ]})
