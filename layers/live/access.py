"""Who a live-map socket acts for and what it may follow.

A socket is authenticated by the session cookie of the page that opened it, under the same rules
as a page request (geoportal/accounts/sessions.py): an expired session, a missing second factor
or an expired password make it anonymous. What it may follow is the permission module's answer
(layers/permissions.py), asked again every LIVE_RECHECK_SECONDS while the socket stays open; a
layer seen only through a scoped share (layers/scope.py) is followed within its area.
"""
from __future__ import annotations

import time
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http.request import split_domain_port, validate_host
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import is_verified
from django_otp.models import Device

from geoportal.accounts.passwords import password_expired
from geoportal.accounts.sessions import needs_second_factor, session_expired
from layers.changes.feed import change_type
from layers.models import Layer
from layers.permissions import layers_for, user_can
from layers.scope import FeatureScope, reader_scope


def origin_allowed(origin: str | None) -> bool:
    """A socket opened by a page of this site: its Origin's host is one the site answers to
    (ALLOWED_HOSTS) or the origin is trusted (CSRF_TRUSTED_ORIGINS). Without this check any other
    site could open a socket with the visitor's cookie (cross-site WebSocket hijacking)."""
    if not origin:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    host, _port = split_domain_port(parts.netloc)
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


def socket_user(*, session_key: str | None):
    """The user of the session `session_key`, or AnonymousUser when it does not (or no longer) stand."""
    if not session_key:
        return AnonymousUser()
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=session))  # as for a request: checks the session's auth hash
    if not user.is_authenticated:
        return user
    if session_expired(session, int(time.time())):
        return AnonymousUser()
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    user.otp_device = device if device is not None and device.user_id == user.pk and device.confirmed else None
    user.is_verified = lambda: is_verified(user)
    if needs_second_factor(user) or password_expired(user):
        return AnonymousUser()
    return user


def display_name(user) -> str:
    """How other editors see this user in the presence list."""
    return user.get_full_name() or user.get_username()


def layers_followable(*, user, slugs: list[str]) -> dict[int, tuple[str, FeatureScope]]:
    """Of the layers named, those `user` may view (whose changes may reach the user), id -> (slug,
    the scope the user sees it through); a raster seen only through a scoped share is not
    followed (layers.scope.reader_scope)."""
    followable = {}
    for layer in layers_for(user, "view", scoped=True).filter(slug__in=slugs).only("pk", "slug", "kind",
                                                                                  "visibility", "department_id"):
        scope = reader_scope(principal=user, layer=layer)
        if scope is not None:
            followable[layer.pk] = (layer.slug, scope)
    return followable


# A change as a viewer within an area sees it, as the change feed does (layers/changes/feed.py):
# the feature's version after the write and the one before say whether it meets the area now and
# did before. A change whose versions are not in the history is not seen.
_SEEN = """
SELECT c.ord,
       COALESCE(NOT v.deleted AND ST_Intersects(v.geom, %(area)s::geometry), false),
       COALESCE(NOT p.deleted AND ST_Intersects(p.geom, %(area)s::geometry), false),
       ST_XMin(v.geom), ST_YMin(v.geom), ST_XMax(v.geom), ST_YMax(v.geom),
       ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom)
FROM unnest(%(features)s::bigint[], %(versions)s::int[]) WITH ORDINALITY AS c(feature_id, version, ord)
LEFT JOIN history_featureversion v
       ON v.layer_id = %(layer)s AND v.feature_id = c.feature_id AND v.version = c.version
LEFT JOIN history_featureversion p
       ON p.layer_id = %(layer)s AND p.feature_id = c.feature_id AND p.version = c.version - 1
ORDER BY c.ord
"""


def _box(*boxes) -> list[float] | None:
    boxes = [b for b in boxes if b is not None and None not in b]
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def changes_seen(*, layer_id: int, scope: FeatureScope, changes: list[dict]) -> list[dict]:
    """The changes of one commit (layers/live/events.py) as a viewer through `scope` sees them: a
    feature that meets the area after and before is updated, one that moved in is created, one
    that left it (or was deleted there) is deleted; the box covers only the versions seen. The
    others are left out, so nothing outside the area reaches the socket."""
    if scope.area is None:
        return changes
    with connection.cursor() as cursor:
        cursor.execute(_SEEN, {"area": scope.area_ewkb, "layer": layer_id,
                               "features": [c["feature"] for c in changes],
                               "versions": [c["version"] for c in changes]})
        rows = cursor.fetchall()
    seen = []
    for change, (_ord, now, before, *corners) in zip(changes, rows, strict=True):
        kind = change_type(change["action"], now, before)
        if kind is None:
            continue
        action = "create" if kind == "insert" else kind  # the live map's word for it
        bbox = _box(tuple(corners[:4]) if now else None, tuple(corners[4:]) if before else None)
        seen.append({"feature": change["feature"], "action": action, "version": change["version"], "bbox": bbox})
    return seen


def layer_editable(*, user, slug: str) -> int | None:
    """The id of the layer if `user` may edit it (and so be listed among, and see, its editors)."""
    layer = Layer.objects.filter(slug=slug).first()
    if layer is None or not user.is_authenticated or not user_can(user, "edit", layer):
        return None
    return layer.pk
