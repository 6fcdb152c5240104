"""Session rules, checked on every request after authentication (docs/security.md):

- idle timeout (SESSION_IDLE_TIMEOUT seconds without a request) and absolute lifetime
  (SESSION_MAX_AGE seconds since sign-in): the session is ended and the request goes on anonymous;
- a user who needs a second factor (User.requires_second_factor) and has not given one in this
  session reaches only the two-factor pages (enrolment when they have no device yet);
- a user whose password has expired reaches only the password change page.

Pages are redirected; API paths answer 403 with the reason. A request with an API token is
answered as the token's alone (its session, if any, is set aside), so these rules do not concern
it. Sign-out everywhere bumps User.session_generation, which is part of the session's
authentication hash: every session of the user stops authenticating at its next request."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse

from geoportal.accounts.models import User
from geoportal.accounts.passwords import password_expired
from geoportal.audit.recorder import audit_event
from layers.editing.http import error_response

SIGNED_IN_AT = "gp_signed_in_at"
SEEN_AT = "gp_seen_at"
SEEN_RESOLUTION = 30  # seconds: the last-seen stamp is written at most this often
API_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/wms", "/wmts", "/open311/")


@receiver(user_logged_in)
def _stamp_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def sessions_end_all(user: User) -> None:
    """End every session of `user`, on every device (the current one included)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    audit_event(action="auth.logout_all", target=user.get_username())


def _session_lapsed(request) -> bool:
    session = request.session
    now = int(time.time())
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if signed_in is None or seen is None:  # a session from before these rules: start counting now
        session[SIGNED_IN_AT] = signed_in or now
        session[SEEN_AT] = now
        return False
    if now - seen > settings.SESSION_IDLE_TIMEOUT or now - signed_in > settings.SESSION_MAX_AGE:
        return True
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN_AT] = now
    return False


# Paths every signed-in user reaches; the two-factor pages before the second factor is given; the
# password change page once it is given.
_OPEN_PATHS = ("/accounts/login/", "/accounts/logout/", "/i18n/", "/admin/logout/", "/healthz")
_TWO_FACTOR_PATHS = ("/accounts/two-factor/",)
_PASSWORD_PATHS = ("/accounts/password_change/",)


def _open(path: str, *more: tuple[str, ...]) -> bool:
    return path.startswith((settings.STATIC_URL, *_OPEN_PATHS, *(p for group in more for p in group)))


def _refuse(request, url_name: str, message: str):
    if request.path.startswith(API_PREFIXES) or request.method not in ("GET", "HEAD"):
        return error_response({"__all__": message}, status=403)
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def bearer_token_present(request) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() in ("bearer", "token") and bool(value.strip())


def needs_second_factor(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and user.requires_second_factor and not user.is_verified()


class SessionPolicyMiddleware:
    """After AuthenticationMiddleware and django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if bearer_token_present(request):
            # A request that carries a token is the token's, under the token's rules (layers/api/tokens.py),
            # never also a session's: the session's user is not consulted, so its rules need not be.
            request.user = AnonymousUser()
            return self.get_response(request)
        if user.is_authenticated and isinstance(user, User):
            if _session_lapsed(request):
                logout(request)
            elif not _open(request.path):
                if needs_second_factor(user) and not _open(request.path, _TWO_FACTOR_PATHS):
                    return _refuse(request, "two_factor",
                                   "Give your two-factor code first: /accounts/two-factor/ / 请先完成双因素认证。")
                if password_expired(user) and not _open(request.path, _TWO_FACTOR_PATHS, _PASSWORD_PATHS):
                    return _refuse(request, "password_change",
                                   "Your password has expired; change it at /accounts/password_change/ "
                                   "/ 密码已过期，请先修改密码。")
        return self.get_response(request)
