"""/metrics and /readyz."""
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from geoportal.observability import metrics

WORKER_HEARTBEAT_KEY = "geoportal:worker-heartbeat:" + settings.IMPORT_QUEUE


@never_cache
@require_GET
def metrics_view(request):
    if not metrics.allowed(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(settings.READYZ_TIMEOUT * 1000)}")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return False, (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
    return True, "ok"


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=settings.READYZ_TIMEOUT,
                                socket_connect_timeout=settings.READYZ_TIMEOUT)


def _worker(client: redis.Redis) -> tuple[bool, str]:
    beat = client.get(WORKER_HEARTBEAT_KEY)
    if beat is None:
        return False, "no heartbeat"
    age = time.time() - float(beat)
    if age > settings.WORKER_HEARTBEAT_STALE:
        return False, f"heartbeat {age:.0f} s old"
    return True, f"heartbeat {age:.1f} s old"


def _replica_lag() -> dict:
    if "replica" not in connections.databases:
        return {"ready": True, "lag_seconds": None, "detail": "not configured"}
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
            lag = cursor.fetchone()[0]
    except DatabaseError as exc:
        return {"ready": False, "lag_seconds": None, "detail": str(exc).strip()[:200]}
    lag = float(lag) if lag is not None else None
    ready = lag is None or lag <= settings.REPLICA_MAX_LAG
    return {"ready": ready, "lag_seconds": lag, "detail": "ok" if ready else "lagging"}


@never_cache
@require_GET
def readyz(request):
    """200 when the database, Redis, the job worker (and a replica, if any) are ready; 503 naming those not."""
    checks = {}
    ok, detail = _database()
    checks["database"] = {"ready": ok, "detail": detail}
    client = _redis_client()
    try:
        client.ping()
    except redis.RedisError as exc:
        checks["redis"] = {"ready": False, "detail": str(exc)[:200]}
        checks["worker"] = {"ready": False, "detail": "redis unreachable"}
    else:
        checks["redis"] = {"ready": True, "detail": "ok"}
        ok, detail = _worker(client)
        checks["worker"] = {"ready": ok, "detail": detail}
    checks["replica"] = _replica_lag()
    failed = [name for name, check in checks.items() if not check["ready"]]
    body = {"status": "ready" if not failed else "not ready", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)
