"""Reads to a streaming replica, everything else to the primary (DATABASE_REPLICA_URL; docs/cluster.md).

Which reads: GET and HEAD requests of the paths in DATABASE_REPLICA_PATHS (tiles, items, search,
catalogue), and there only the tables of the apps in REPLICATED_APPS; accounts and sessions are
always read on the primary, so that a sign-in is never lost to replication lag.

Read-your-writes by LSN, not by time: after a request that may have written (any method but GET,
HEAD, OPTIONS), the primary's current WAL position is set in a cookie. A later read goes to the
replica only once the replica has replayed that far (`pg_last_wal_replay_lsn()`), so an editor sees
their own edit in the next tile however far replay lags, and everyone else still reads the
replica. The cookie lapses after DATABASE_REPLICA_PIN_SECONDS.

A replica that cannot be reached sends the request to the primary (no failed request) and is not
tried again for DATABASE_REPLICA_RETRY_SECONDS, so that a dead replica costs one refused connection
per process and interval rather than one per request.
"""
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
LSN_COOKIE = "gp_lsn"
READ_METHODS = frozenset({"GET", "HEAD"})
SAFE_METHODS = READ_METHODS | {"OPTIONS"}
REPLICATED_APPS = frozenset({"layers", "search", "annotations"})
_LSN = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")

_read_alias: ContextVar[str] = ContextVar("geoportal_read_alias", default=DEFAULT_DB_ALIAS)
_replica_down_until = 0.0


def read_alias() -> str:
    """The database alias this request's replicated reads go to."""
    return _read_alias.get()


def read_connection():
    """The connection for raw-SQL reads of replicated tables (tiles, items, search, catalogue)."""
    return connections[_read_alias.get()]


class ReplicaRouter:
    """Django's router: the ORM's reads of replicated apps follow the request's choice."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in REPLICATED_APPS:
            return _read_alias.get()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's WAL


def _replica_has(lsn: str | None) -> bool:
    """Whether the replica answers and (given a session's last write) has replayed that far."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
        if lsn is None:
            return True
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        replica.close()
        _replica_down_until = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS
        return False


def choose_read_alias(request) -> str:
    if request.method not in READ_METHODS:
        return DEFAULT_DB_ALIAS
    if not any(request.path.startswith(prefix) for prefix in settings.DATABASE_REPLICA_PATHS):
        return DEFAULT_DB_ALIAS
    lsn = request.COOKIES.get(LSN_COOKIE)
    if lsn is not None and not _LSN.match(lsn):
        lsn = None
    return REPLICA if _replica_has(lsn) else DEFAULT_DB_ALIAS


def _current_lsn() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _primary_lsn() -> str | None:
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.connection is None or primary.in_atomic_block:
        return None  # this request did not touch the database
    try:
        return _current_lsn()
    except DatabaseError:
        return None  # the primary went away after answering: its answer stands, without a pin


@contextmanager
def reads_caught_up():
    """Within, replicated reads go to the replica only if it has replayed all the primary had
    written on entry. For what is cached after an invalidation (tiles, layers/tiles/serving.py):
    the edit committed before its invalidation ran, so a replica that has replayed the primary's
    position of after the cache lookup renders with the edit, and a lagging one cannot store a
    tile without it for the cache's lifetime."""
    if _read_alias.get() != REPLICA or _replica_has(_current_lsn()):
        yield
        return
    token = _read_alias.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _read_alias.reset(token)


class ReplicaRoutingMiddleware:
    """Chooses the request's read database; after a possible write, notes the primary's WAL position."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Not reset when the view returns: a streamed page reads while the response is sent.
        _read_alias.set(choose_read_alias(request))
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            lsn = _primary_lsn()
            if lsn is not None:
                response.set_cookie(LSN_COOKIE, lsn, max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                                    httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response


def _request_done(**kwargs) -> None:
    _read_alias.set(DEFAULT_DB_ALIAS)


request_finished.connect(_request_done, dispatch_uid="geoportal.db.routing")
