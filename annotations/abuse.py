"""Protections for anonymous writes: cache-based rate limits per IP and per session, a honeypot
field, and duplicate detection (same category, nearby, recent) done in PostGIS."""
from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from annotations.models import Annotation, Category, State

HONEYPOT_FIELD = "website"


class RateLimited(Exception):
    """Too many submissions from this address or session; `retry_after` is in seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__("Too many reports in a short time. Please wait a few minutes and try again.")


def _client_ip(request) -> str:
    # REMOTE_ADDR is the proxy's address unless the proxy rewrites it (nginx real_ip, gunicorn
    # --forwarded-allow-ips); trusting a client-sent header here would make the limit optional.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def rate_limit_check(request, *, scope: str = "submit") -> None:
    """Count one anonymous write against the IP and the session; raise RateLimited over the limit.

    Staff who are signed in are not limited: they are accountable by name."""
    if getattr(request.user, "is_authenticated", False) and (
        request.user.is_platform_admin or request.user.is_department_staff
    ):
        return
    window = settings.ANNOTATION_RATE_WINDOW
    limit = settings.ANNOTATION_RATE_LIMIT
    bucket = int(time.time() // window)
    retry_after = window - int(time.time() % window)
    for kind, value in (("ip", _client_ip(request)), ("session", _session_key(request))):
        key = f"annotations:rate:{scope}:{kind}:{value}:{bucket}"
        cache.add(key, 0, timeout=window)
        if cache.incr(key) > limit:
            raise RateLimited(retry_after)


def honeypot_filled(data) -> bool:
    """Bots fill every field; people never see this one (it is hidden by CSS and aria-hidden)."""
    return bool((data.get(HONEYPOT_FIELD) or "").strip())


def duplicates_near(*, category: Category, geometry: GEOSGeometry) -> list[Annotation]:
    """Recent, not rejected reports of the same category within the configured distance."""
    since = timezone.now() - timedelta(hours=settings.ANNOTATION_DUPLICATE_HOURS)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id FROM annotations_annotation
            WHERE category_id = %s AND created_at >= %s AND state <> %s
              AND ST_DWithin(geom::geography, ST_GeomFromEWKB(%s)::geography, %s)
            ORDER BY ST_Distance(geom::geography, ST_GeomFromEWKB(%s)::geography), created_at DESC
            LIMIT 5
            """,
            [category.pk, since, State.REJECTED, bytes(geometry.ewkb), settings.ANNOTATION_DUPLICATE_METRES,
             bytes(geometry.ewkb)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    by_id = Annotation.objects.in_bulk(ids)
    return [by_id[i] for i in ids]
