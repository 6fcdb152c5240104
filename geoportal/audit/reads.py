"""Reads of non-public layers: collected per request, queued in Redis, appended by the worker.

A request costs one RPUSH (no database write, no lock on the chain's head); the worker's periodic
`audit_reads_drain` appends what is queued in one transaction. If Redis cannot be reached the
request writes its entries itself, so no read goes unrecorded. The audit page drains first, so the
audit administrator always sees every read."""
from __future__ import annotations

import datetime
import json
from functools import cache

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from redis import Redis, RedisError

from geoportal.audit.chain import chain_seal, entries_append_sealed, entries_insert
from geoportal.audit.models import Entry
from geoportal.audit.recorder import AuditScope, principal_fields, request_fields, request_scope

QUEUE_KEY = "geoportal:audit:reads"
LAYER_READ = "layer.read"


@cache
def _queue() -> Redis:
    return Redis.from_url(settings.AUDIT_QUEUE_URL, socket_timeout=2, socket_connect_timeout=2)


def read_result(noted: str, status: int) -> str:
    if noted == "refused" or status in (401, 403, 404):
        return Entry.Result.REFUSED
    return Entry.Result.OK if status < 400 else Entry.Result.FAILED


def _message(scope: AuditScope, status: int) -> dict:
    request = scope.request
    return {
        "at": timezone.now().isoformat(), **principal_fields(scope.reader), **request_fields(request),
        "request_id": getattr(request, "request_id", None) or "", "method": request.method,
        "path": request.path[:300], "status": status, "reads": scope.reads,
    }


def _rows(message: dict) -> list[dict]:
    details = {"method": message["method"], "path": message["path"], "status": message["status"]}
    if message.get("request_id"):
        details["request_id"] = message["request_id"]
    return [{
        "recorded_at": datetime.datetime.fromisoformat(message["at"]), "user_id": message["user_id"],
        "username": message["username"], "action": LAYER_READ, "result": read_result(noted, message["status"]),
        "layer_slug": slug, "ip": message["ip"], "user_agent": message["user_agent"], "details": details,
    } for slug, noted in sorted(message["reads"].items())]


def reads_submit(scope: AuditScope, status: int) -> None:
    message = _message(scope, status)
    try:
        _queue().rpush(QUEUE_KEY, json.dumps(message))
    except RedisError:
        entries_insert(_rows(message))


def audit_reads_drain(*, batch: int = 5000) -> int:
    """Append the queued reads to the trail and seal every unsealed entry; returns how many read
    entries were written. Periodic (PERIODIC_TASKS)."""
    written = 0
    while True:
        with _queue().pipeline(transaction=True) as pipe:
            pipe.lrange(QUEUE_KEY, 0, batch - 1)
            pipe.ltrim(QUEUE_KEY, batch, -1)
            raw, _ = pipe.execute()
        if not raw:
            chain_seal()
            return written
        rows = [row for item in raw for row in _rows(json.loads(item))]
        try:
            entries_append_sealed(rows)
        except DatabaseError:
            _queue().lpush(QUEUE_KEY, *reversed(raw))  # back at the front, in their order
            raise
        written += len(rows)


def audit_reads_pending() -> int:
    return _queue().llen(QUEUE_KEY)


class AuditMiddleware:
    """Makes the request known to audit_event, and queues its reads of non-public layers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope(request) as scope:
            response = self.get_response(request)
        if scope.reads:
            reads_submit(scope, response.status_code)
        return response
