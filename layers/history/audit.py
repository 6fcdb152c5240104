"""Writing and reading the audit log of layer metadata, schema, style and permission changes.

Each change is written twice: to AuditLog here (the layer's change log its managers read) and to
the tamper-evident trail of geoportal/audit (the audit administrator's, with address, user agent
and result). The second is the record of authority; this table stays for the managers' page."""
from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from geoportal.audit.recorder import audit_event
from layers.history.models import AuditLog
from layers.models import Layer


def audit_record(*, actor, action: str, layer: Layer | None, changes: dict, target: str = "",
                 result: str = "ok") -> AuditLog:
    """Record one change; call inside the transaction of the change itself."""
    slug = layer.slug if layer is not None else ""
    audit_event(action=action, result=result, actor=actor, layer_slug=slug, target=target, details=changes)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, action=action, layer=layer,
        layer_slug=slug, target=target, changes=changes,
    )


def audit_changes(before: dict, after: dict) -> dict:
    """Field name -> [before, after] for the fields whose values differ."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def audit_entries(
    *,
    layers: QuerySet[Layer] | None,
    department_id: int | None = None,
    layer_slug: str = "",
    action: str = "",
    actor: str = "",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditLog]:
    """Audit entries filtered. `layers` limits them to layers the reader manages (None: all), plus
    the membership changes made in `department_id`."""
    qs = AuditLog.objects.select_related("actor")
    if layers is not None:
        qs = qs.filter(Q(layer__in=layers) | Q(action=AuditLog.Action.MEMBER_ROLE, actor__department_id=department_id))
    if layer_slug:
        qs = qs.filter(layer_slug=layer_slug)
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor__username=actor)
    if since:
        qs = qs.filter(recorded_at__gte=since)
    if until:
        qs = qs.filter(recorded_at__lt=until)
    return qs
