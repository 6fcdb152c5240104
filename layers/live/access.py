"""Who a live-map socket acts for and what it may follow.

A socket is authenticated by the session cookie of the page that opened it, under the same rules
as a page request (geoportal/accounts/sessions.py): an expired session, a missing second factor
or an expired password make it anonymous. What it may follow is the permission module's answer
(layers/permissions.py), asked again every LIVE_RECHECK_SECONDS while the socket stays open.
"""
from __future__ import annotations

import time
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import is_verified
from django_otp.models import Device

from geoportal.accounts.passwords import password_expired
from geoportal.accounts.sessions import needs_second_factor, session_expired
from layers.models import Layer
from layers.permissions import layers_for, user_can


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


def layers_followable(*, user, slugs: list[str]) -> dict[int, str]:
    """Of the layers named, those `user` may view (whose changes may reach the user), id -> slug."""
    return dict(layers_for(user, "view").filter(slug__in=slugs).values_list("pk", "slug"))


def layer_editable(*, user, slug: str) -> int | None:
    """The id of the layer if `user` may edit it (and so be listed among, and see, its editors)."""
    layer = Layer.objects.filter(slug=slug).first()
    if layer is None or not user.is_authenticated or not user_can(user, "edit", layer):
        return None
    return layer.pk
