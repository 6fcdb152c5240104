"""One middleware for a request's id, its log line, its metrics and its database time."""
import logging
import time

from django.db import connection
from django.utils.functional import SimpleLazyObject, empty

from geoportal.observability import metrics
from geoportal.observability.context import REQUEST_ID_HEADER, request_id, valid_or_new

logger = logging.getLogger("geoportal.request")


class DatabaseTimer:
    """connection.execute_wrapper: sums the statements' time and tags them with the request id."""

    def __init__(self, rid: str):
        self.seconds = 0.0
        self.comment = f" /* request_id={rid} */"

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql + self.comment if isinstance(sql, str) else sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


class ObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = valid_or_new(request.META.get(REQUEST_ID_HEADER))
        token = request_id.set(rid)
        request.request_id = rid
        timer = DatabaseTimer(rid)
        start = time.perf_counter()
        try:
            with connection.execute_wrapper(timer):
                response = self.get_response(request)
        finally:
            request_id.reset(token)
        duration = time.perf_counter() - start
        response["X-Request-ID"] = rid
        match = getattr(request, "resolver_match", None)
        route = (match.view_name or match.route) if match else "unmatched"
        status = response.status_code
        metrics.REQUESTS.labels(route, request.method, str(status)).inc()
        metrics.LATENCY.labels(route).observe(duration)
        metrics.DB_TIME.labels(route).observe(timer.seconds)
        cache = response.get("X-Tile-Cache")
        if cache in ("hit", "miss"):
            metrics.TILE_CACHE.labels(cache, "django").inc()
        user = _resolved_user(request)
        logger.info("%s %s %s", request.method, route, status, extra={
            "request_id": rid, "method": request.method, "route": route, "status": status,
            "duration_ms": round(duration * 1000, 2), "db_ms": round(timer.seconds * 1000, 2),
            "user_id": user.pk if user is not None and user.is_authenticated else None})
        return response


def _resolved_user(request):
    """The request's user if the view looked it up; never a session read of its own (an
    anonymous tile request would otherwise pay for one just to be logged)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user
