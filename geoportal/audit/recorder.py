"""Recording an event: who (the signed-in user, an API token, the console), from where (address,
user agent, request id) and with what result, filled in from the request being served.

`AuditMiddleware` makes the request known for the length of its handling, and collects the reads
of non-public layers that the permission module notes (layers/permissions.py). Those are many (a
map of an internal layer asks for dozens of tiles), so they do not write to the chain in the
request: the middleware pushes one message per request to a Redis list and the worker appends
them in batches (geoportal/audit/reads.py)."""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone

from geoportal.audit.chain import entries_insert
from geoportal.audit.models import Entry

USER_AGENT_LENGTH = 300


@dataclass
class AuditScope:
    """What is known of who acts while a request (or a console command) is handled."""

    request: HttpRequest | None = None
    console: str = ""
    reads: dict[str, str] = field(default_factory=dict)  # layer slug -> "ok" or "refused"
    reader: object = None  # the principal the reads were decided for


_scope: contextvars.ContextVar[AuditScope | None] = contextvars.ContextVar("audit_scope", default=None)
_FROM_SCOPE = object()


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def principal_fields(principal) -> dict:
    """user_id and username of a user, an API token's principal, or nobody."""
    if principal is None or not getattr(principal, "is_authenticated", False):
        return {"user_id": None, "username": ""}
    return {"user_id": getattr(principal, "pk", None), "username": principal.get_username()[:150]}


def request_fields(request) -> dict:
    if request is None:
        return {"ip": "", "user_agent": ""}
    return {"ip": client_address(request)[:45],
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH]}


def _scope_actor(scope: AuditScope | None):
    """The request's user (resolving it is fine here: events are rare, unlike tile reads)."""
    if scope is None or scope.request is None:
        return None
    return getattr(scope.request, "user", None)


def audit_event(*, action: str, result: str = Entry.Result.OK, actor=_FROM_SCOPE, layer_slug: str = "",
                target: str = "", details: dict | None = None) -> Entry:
    """Record one event: inserted in the caller's transaction when there is one, sealed into the
    chain once it commits.

    `actor` defaults to whoever the current request (or console command) is for."""
    scope = _scope.get()
    who = principal_fields(_scope_actor(scope) if actor is _FROM_SCOPE else actor)
    if not who["username"] and scope is not None and scope.console:
        who["username"] = scope.console[:150]
    request = scope.request if scope is not None else None
    extra = {}
    rid = getattr(request, "request_id", None)
    if rid:
        extra["request_id"] = rid
    row = {"recorded_at": timezone.now(), "action": action, "result": result, "layer_slug": layer_slug[:64],
           "target": str(target)[:150], "details": {**(details or {}), **extra}, **who, **request_fields(request)}
    return entries_insert([row])[0]


@contextlib.contextmanager
def console_scope(command: str):
    """Events of a management command are the console's: `manage.py assign_role` and the like."""
    token = _scope.set(AuditScope(console=f"console:{command}"))
    try:
        yield
    finally:
        _scope.reset(token)


def reads_recorded() -> bool:
    """Whether reads are being collected (a request is being handled)."""
    scope = _scope.get()
    return scope is not None and scope.request is not None


def layer_read_note(*, principal, layer_slug: str, allowed: bool) -> None:
    """Called by the permission module for each read of a layer that is not public."""
    scope = _scope.get()
    if scope is None or scope.request is None:
        return
    if not allowed or scope.reads.get(layer_slug) != "refused":
        scope.reads[layer_slug] = "ok" if allowed else "refused"
    scope.reader = principal


def current_request() -> HttpRequest | None:
    """The request being handled (None outside one: the console, the worker)."""
    scope = _scope.get()
    return scope.request if scope is not None else None


@contextlib.contextmanager
def request_scope(request):
    scope = AuditScope(request=request)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
