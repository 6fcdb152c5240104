"""Request rates per token, per signed-in user and per anonymous IP address: fixed windows counted
in Redis with one round trip (INCR + EXPIRE in a pipeline). Used by the REST views (as a DRF
throttle) and the OGC API views alike."""
from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from layers.permissions import TokenPrincipal

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period[0]]


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _who(request, principal) -> tuple[str, str]:
    if isinstance(principal, TokenPrincipal):
        return "token", str(principal.token_id)
    if getattr(principal, "is_authenticated", False):
        return "user", str(principal.pk)
    return "anon", request.META.get("REMOTE_ADDR", "")


def retry_after(request, principal) -> int | None:
    """Count this request; None while within the rate, else the seconds until the window ends."""
    kind, ident = _who(request, principal)
    rate = settings.API_RATES.get(kind)
    if not rate:
        return None
    limit, period = _parse_rate(rate)
    now = time.time()
    window = int(now // period)
    key = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:rate:{kind}:{ident}:{period}:{window}"
    pipe = _redis().pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, period + 1)
    count, _ = pipe.execute()
    if count <= limit:
        return None
    return max(1, int((window + 1) * period - now + 0.999))


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        self._wait = retry_after(request, request.user)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
