"""Request rates per token, per signed-in user and per anonymous IP address: fixed windows counted
in Redis (INCRBY + EXPIRE in one round trip). Used by the REST views (as a DRF throttle) and the
OGC API views alike.

Each process counts locally and adds its count to Redis every `batch` requests of a window
(a fiftieth of the rate, at least 1), and at once whenever its estimate reaches the limit; so a
window admits at most the limit plus (processes x batch) - 2 % over with three workers - while
most requests cost no round trip."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
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


@dataclass
class _Window:
    period: int
    number: int
    counted: int = 0  # this window's total in Redis when last read
    pending: int = 0  # requests here not yet added to it


_windows: dict[str, _Window] = {}
_swept: dict[int, int] = {}  # period -> the window number last swept
_lock = threading.Lock()


def _sync(key: str, window: _Window, period: int) -> None:
    pipe = _redis().pipeline(transaction=False)
    pipe.incrby(key, window.pending)
    pipe.expire(key, period + 1)
    window.counted, _ = pipe.execute()
    window.pending = 0


def retry_after(request, principal) -> int | None:
    """Count this request; None while within the rate, else the seconds until the window ends."""
    kind, ident = _who(request, principal)
    rate = settings.API_RATES.get(kind)
    if not rate:
        return None
    limit, period = _parse_rate(rate)
    now = time.time()
    number = int(now // period)
    key = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:rate:{kind}:{ident}:{period}:{number}"
    batch = max(1, limit // 50)
    with _lock:
        if len(_windows) > 10_000:
            _windows.clear()  # many clients in one window: forget local counts, Redis keeps the totals
        if _swept.get(period, number) < number:  # a new window began: forget the ended ones, once
            for stale in [k for k, w in _windows.items() if w.period == period and w.number < number]:
                del _windows[stale]
        _swept[period] = number
        window = _windows.get(key)
        if window is None:
            window = _windows[key] = _Window(period, number)
        window.pending += 1
        if window.pending >= batch or window.counted + window.pending > limit:
            _sync(key, window, period)
        over = window.counted + window.pending > limit
    if not over:
        return None
    return max(1, int((number + 1) * period - now + 0.999))


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        self._wait = retry_after(request, request.user)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
