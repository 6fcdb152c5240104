"""Searching the audit trail: the audit administrator's filters over the entries."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from geoportal.audit.models import Entry


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    action: str = ""  # exact, or a family with a trailing dot: "auth." matches auth.login and auth.logout
    layer_slug: str = ""
    result: str = ""
    ip: str = ""  # exact, or a prefix ending in "." or ":" (a network)
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None

    def as_dict(self) -> dict:
        return {key: (value.isoformat() if isinstance(value, datetime.datetime) else value)
                for key, value in self.__dict__.items() if value}


def audit_entries_search(*, filters: AuditFilter) -> QuerySet[Entry]:
    qs = Entry.objects.order_by("-seq")
    if filters.username:
        qs = qs.filter(username=filters.username)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action) if filters.action.endswith(".") else \
            qs.filter(action=filters.action)
    if filters.layer_slug:
        qs = qs.filter(layer_slug=filters.layer_slug)
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.ip:
        qs = qs.filter(ip__startswith=filters.ip) if filters.ip.endswith((".", ":")) else qs.filter(ip=filters.ip)
    if filters.since:
        qs = qs.filter(recorded_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(recorded_at__lt=filters.until)
    return qs


def audit_actions() -> list[str]:
    """The actions recorded so far, for the page's list (a few dozen distinct values)."""
    return list(Entry.objects.order_by("action").values_list("action", flat=True).distinct())
