"""Lock-out after repeated failed sign-ins: a counter per username and client address in the cache.

After LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_SECONDS, that username cannot sign in
from that address until the window has passed (the counter's expiry is the window)."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError

from geoportal.audit.models import Entry
from geoportal.audit.recorder import audit_event


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def login_is_locked(*, username: str, address: str) -> bool:
    return (cache.get(_key(username, address)) or 0) >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(*, username: str, address: str) -> int:
    key = _key(username, address)
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    return cache.incr(key)


def login_failures_clear(*, username: str, address: str) -> None:
    cache.delete(_key(username, address))


LOCKED_MESSAGE = (
    "Too many failed sign-ins. Try again in %(minutes)d minutes. / 登录失败次数过多，请%(minutes)d分钟后再试。"
)


class LockoutMixin:
    """Refuses locked username/address pairs before the password is checked; counts failures."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if username and login_is_locked(username=username, address=address):
            audit_event(action="auth.login", result=Entry.Result.REFUSED, actor=None, target=username[:150],
                        details={"reason": "locked out"})
            raise ValidationError(
                LOCKED_MESSAGE, code="locked",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                login_failure_record(username=username, address=address)
            raise
        login_failures_clear(username=username, address=address)
        return cleaned


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    """The site's sign-in form."""


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's sign-in form, under the same lock-out."""
