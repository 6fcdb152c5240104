"""Every change of a share request: asked, approved (possibly narrower), refused, withdrawn,
revoked, expired. Each step is audited (layers.history.audit) and tells the other side by mail
after the commit; an approval gives, and every ending takes back, the department's grant through
layers.permissions (the one place grants change)."""
from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from geoportal.accounts.models import User
from layers.history.audit import audit_record
from layers.history.models import AuditLog
from layers.models import Layer, LayerGrant
from layers.permissions import layer_grant, layer_revoke, user_can
from layers.schema import parse_schema
from layers.sharing.models import ShareRequest

log = logging.getLogger(__name__)
State = ShareRequest.State


class ShareError(ValueError):
    """A request or decision that cannot be made as asked; the message says why, for the form."""


def layer_field_names(layer: Layer) -> list[str]:
    """The fields a request may name: the layer's schema (raster layers have none)."""
    if layer.kind != Layer.Kind.VECTOR:
        return []
    return [fdef.name for fdef in parse_schema(layer.schema or [])]


def _active_grant(layer: Layer, department_id: int) -> LayerGrant | None:
    return (LayerGrant.objects.filter(layer=layer, department_id=department_id)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .select_related("share_request").first())


def _has_share(grant: LayerGrant) -> bool:
    try:
        return grant.share_request is not None
    except ShareRequest.DoesNotExist:
        return False


def request_refusal(*, user, layer: Layer) -> str | None:
    """Why `user` may not ask for `layer` now; None when they may."""
    if not (getattr(user, "is_authenticated", False) and user.is_department_staff):
        return "Only department staff may request a layer from another department."
    if user.department_id == layer.department_id:
        return "This layer belongs to your own department: you already have access."
    if layer.visibility in (Layer.Visibility.PUBLIC, Layer.Visibility.STAFF):
        return "This layer is already open to every department's staff: no request is needed."
    grant = _active_grant(layer, user.department_id)
    if grant is not None and not grant.scoped and not _has_share(grant):
        return "Your department already has full access to this layer."
    if ShareRequest.objects.filter(layer=layer, requester_department_id=user.department_id,
                                   state=State.PENDING).exists():
        return "Your department already has a request for this layer awaiting a decision."
    return None


def _clean_fields(layer: Layer, fields: list[str] | None, allowed: list[str] | None = None) -> list[str] | None:
    """None (all fields) or the named fields, each one the layer has (and, narrowing, one asked)."""
    if fields is None:
        return None if allowed is None else list(allowed)
    names = layer_field_names(layer)
    unknown = [name for name in fields if name not in names]
    if unknown:
        raise ShareError(f"The layer has no field {', '.join(unknown[:5])}.")
    if allowed is not None:
        extra = [name for name in fields if name not in allowed]
        if extra:
            raise ShareError(f"An approval may only narrow the request: {', '.join(extra[:5])} was not asked for.")
    if not fields:
        raise ShareError("Choose at least one field, or all of them.")
    ordered = [name for name in names if name in fields]
    return None if ordered == names and (allowed is None or list(allowed) == names) else ordered


def polygons_of(geometry: GEOSGeometry) -> MultiPolygon | None:
    """The polygons of a geometry (an intersection may add lines and points) as one MultiPolygon."""
    if geometry.geom_type == "Polygon":
        parts = [geometry] if geometry.area > 0 else []
    elif geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        parts = [p for g in geometry if (m := polygons_of(g)) is not None for p in m]
    else:
        parts = []
    return MultiPolygon(parts, srid=4326) if parts else None


def _clean_area(layer: Layer, area: GEOSGeometry | None) -> MultiPolygon | None:
    if area is None:
        return None
    if layer.kind != Layer.Kind.VECTOR:
        raise ShareError("An area can be asked of vector layers only; a raster layer is shared whole.")
    if area.srid is None:
        area.srid = 4326
    if area.srid != 4326:
        area.transform(4326)
    if area.geom_type not in ("Polygon", "MultiPolygon") or not area.valid or (polygons := polygons_of(area)) is None:
        raise ShareError("The area must be a valid polygon.")
    return polygons


def _clean_days(days: int, most: int) -> int:
    if not 1 <= days <= most:
        raise ShareError(f"The duration must be between 1 and {most} days.")
    return days


def share_request_create(*, actor, layer: Layer, purpose: str, fields: list[str] | None,
                         area: GEOSGeometry | None, area_label: str, duration_days: int) -> ShareRequest:
    """Ask for `layer` for the actor's department; the owners' managers are told."""
    refusal = request_refusal(user=actor, layer=layer)
    if refusal:
        raise ShareError(refusal)
    purpose = purpose.strip()
    if len(purpose) < 4:
        raise ShareError("Say what the data is for (the purpose), so that the owners can decide.")
    fields = _clean_fields(layer, fields)
    area = _clean_area(layer, area)
    days = _clean_days(duration_days, settings.SHARE_MAX_DAYS)
    try:
        with transaction.atomic():
            request = ShareRequest.objects.create(
                layer=layer, requester=actor, requester_department_id=actor.department_id, purpose=purpose,
                fields=fields, area=area, area_label=area_label[:100] if area is not None else "",
                duration_days=days)
            audit_record(actor=actor, action=AuditLog.Action.SHARE_REQUEST, layer=layer, target=request.number,
                         changes={"department": [None, actor.department.code], "fields": [None, fields],
                                  "area": [None, request.area_label or None], "days": [None, days]})
            _tell_owners(request)
    except IntegrityError as exc:
        raise ShareError("Your department already has a request for this layer awaiting a decision.") from exc
    return request


def deciders(layer: Layer):
    """Who decides: the owning department's managers."""
    return User.objects.filter(department_id=layer.department_id, role=User.Role.MANAGER, is_active=True)


def _locked(request: ShareRequest, state: str) -> ShareRequest:
    locked = ShareRequest.objects.select_for_update(of=("self",)).select_related("layer", "requester_department").get(
        pk=request.pk)
    if locked.state != state:
        raise ShareError(f"This request is {locked.get_state_display()}; it cannot change that way now.")
    return locked


def _may_decide(actor, layer: Layer) -> None:
    if not user_can(actor, "grant", layer):
        raise PermissionDenied("Only the managers of the owning department decide on requests for this layer.")


def share_request_approve(*, actor, request: ShareRequest, fields: list[str] | None = None,
                          narrow_area: GEOSGeometry | None = None, narrow_area_label: str = "",
                          duration_days: int | None = None, reason: str = "") -> ShareRequest:
    """Approve as asked or narrower: fewer fields, a smaller area (the asked one within
    `narrow_area`), fewer days. Gives the department a scoped view grant until the end date."""
    _may_decide(actor, request.layer)
    with transaction.atomic():
        request = _locked(request, State.PENDING)
        layer = request.layer
        granted_fields = request.fields if fields is None else _clean_fields(
            layer, fields, allowed=request.fields if request.fields is not None else layer_field_names(layer))
        area, label = request.area, request.area_label
        narrow = _clean_area(layer, narrow_area)
        if narrow is not None:
            area = narrow if area is None else polygons_of(area.intersection(narrow))
            if area is None:
                raise ShareError("The narrowed area does not overlap the area asked for.")
            label = f"{label} ∩ {narrow_area_label}" if label else narrow_area_label
        days = _clean_days(duration_days or request.duration_days, request.duration_days)
        existing = _active_grant(layer, request.requester_department_id)
        replaced = None
        if existing is not None:
            if not _has_share(existing) and not existing.scoped:
                raise ShareError("The department already has full access given by hand; change that grant instead.")
            replaced = ShareRequest.objects.filter(grant=existing, state=State.APPROVED).first()
        now = timezone.now()
        expires = now + datetime.timedelta(days=days)
        grant = layer_grant(layer=layer, actor=actor, level=LayerGrant.Level.VIEW,
                            department=request.requester_department, fields=granted_fields, area=area,
                            expires_at=expires)
        if replaced is not None:
            replaced.state, replaced.closed_at, replaced.grant = State.SUPERSEDED, now, None
            replaced.save(update_fields=["state", "closed_at", "grant"])
        request.state, request.decided_by, request.decided_at, request.reason = State.APPROVED, actor, now, reason
        request.granted_fields, request.granted_area, request.granted_area_label = granted_fields, area, label
        request.expires_at, request.grant = expires, grant
        request.save()
        audit_record(actor=actor, action=AuditLog.Action.SHARE_APPROVE, layer=layer, target=request.number,
                     changes={"state": [State.PENDING, State.APPROVED], "fields": [request.fields, granted_fields],
                              "area": [request.area_label or None, label or None],
                              "days": [request.duration_days, days], "expires_at": [None, expires.isoformat()]})
        _tell_requester(request)
    return request


def share_request_refuse(*, actor, request: ShareRequest, reason: str) -> ShareRequest:
    _may_decide(actor, request.layer)
    if not reason.strip():
        raise ShareError("Give the reason for the refusal: the requester sees it.")
    with transaction.atomic():
        request = _locked(request, State.PENDING)
        request.state, request.decided_by, request.decided_at = State.REFUSED, actor, timezone.now()
        request.reason = reason.strip()
        request.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        audit_record(actor=actor, action=AuditLog.Action.SHARE_REFUSE, layer=request.layer, target=request.number,
                     changes={"state": [State.PENDING, State.REFUSED], "reason": [None, request.reason]})
        _tell_requester(request)
    return request


def share_request_withdraw(*, actor, request: ShareRequest) -> ShareRequest:
    """The requester (or a manager of their department) takes a pending request back."""
    mine = request.requester_id == getattr(actor, "pk", None) or (
        getattr(actor, "is_department_staff", False) and actor.department_id == request.requester_department_id
        and actor.role == User.Role.MANAGER)
    if not mine:
        raise PermissionDenied("Only the requester or a manager of their department may withdraw this request.")
    with transaction.atomic():
        request = _locked(request, State.PENDING)
        request.state, request.closed_at = State.WITHDRAWN, timezone.now()
        request.save(update_fields=["state", "closed_at"])
        audit_record(actor=actor, action=AuditLog.Action.SHARE_WITHDRAW, layer=request.layer, target=request.number,
                     changes={"state": [State.PENDING, State.WITHDRAWN]})
    return request


def share_request_revoke(*, actor, request: ShareRequest, reason: str) -> ShareRequest:
    """The owners take an approved share back before its end."""
    _may_decide(actor, request.layer)
    if not reason.strip():
        raise ShareError("Give the reason for taking the share back: the requester sees it.")
    with transaction.atomic():
        request = _locked(request, State.APPROVED)
        layer_revoke(layer=request.layer, actor=actor, department=request.requester_department)
        request.state, request.closed_at, request.reason = State.REVOKED, timezone.now(), reason.strip()
        request.save(update_fields=["state", "closed_at", "reason"])
        audit_record(actor=actor, action=AuditLog.Action.SHARE_REVOKE, layer=request.layer, target=request.number,
                     changes={"state": [State.APPROVED, State.REVOKED], "reason": [None, request.reason]})
        _tell_requester(request)
    return request


def share_grants_expire(now: datetime.datetime | None = None) -> int:
    """Close the approved shares whose end has come and delete their grants (PERIODIC_TASKS).

    The grant stops counting at its end by itself (layers.permissions compares with the database's
    clock); this takes it away, records the expiry and tells the requester."""
    now = now or timezone.now()
    closed = 0
    due = ShareRequest.objects.filter(state=State.APPROVED, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due[:500]):
        with transaction.atomic():
            request = (ShareRequest.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("layer", "requester_department", "grant")
                       .filter(pk=pk, state=State.APPROVED).first())
            if request is None:
                continue
            if request.grant is not None:
                request.grant.delete()
            request.state, request.closed_at, request.grant = State.EXPIRED, now, None
            request.save(update_fields=["state", "closed_at", "grant"])
            audit_record(actor=None, action=AuditLog.Action.SHARE_EXPIRE, layer=request.layer, target=request.number,
                         changes={"state": [State.APPROVED, State.EXPIRED],
                                  "department": [request.requester_department.code, None]})
            _tell_requester(request)
            closed += 1
    if closed:
        log.info("share_grants_expire: %d share(s) ended", closed)
    return closed


# --- Telling the other side -----------------------------------------------------------------------

def _site() -> str:
    return (getattr(settings, "CATALOGUE_SITE_URL", "") or "").rstrip("/")


def _mail_after_commit(subject: str, lines: list[str], addresses: list[str]) -> None:
    addresses = sorted({a for a in addresses if a})
    if addresses:
        body = "\n".join(lines)
        transaction.on_commit(lambda: send_mail(subject, body, None, addresses, fail_silently=True))


def _tell_owners(request: ShareRequest) -> None:
    layer = request.layer
    department = request.requester_department
    _mail_after_commit(
        f"[{request.number}] 共享申请 / Share request: {layer.title_zh}",
        [f"{department.name_zh} 申请共享图层「{layer.title_zh}」。",
         f"{department.name_en or department.name_zh} asks to share the layer {layer.title_en or layer.slug}.",
         "", f"用途 / Purpose: {request.purpose}", "",
         f"审批 / Decide: {_site()}/sharing/requests/{request.pk}/"],
        list(deciders(layer).values_list("email", flat=True)))


def _tell_requester(request: ShareRequest) -> None:
    if request.requester is None:
        return
    label = request.get_state_display()
    lines = [f"共享申请 {request.number}（{request.layer.title_zh}）：{label}",
             f"Share request {request.number} ({request.layer.title_en or request.layer.slug}): {label}"]
    if request.reason:
        lines += ["", f"说明 / Reason: {request.reason}"]
    if request.state == State.APPROVED and request.expires_at:
        lines += ["", f"有效期至 / Until: {request.expires_at:%Y-%m-%d %H:%M} UTC"]
    lines += ["", f"{_site()}/sharing/requests/{request.pk}/"]
    _mail_after_commit(f"[{request.number}] {label}", lines, [request.requester.email])
