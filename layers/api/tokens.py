"""Issuing API tokens and telling who a request comes from (token or session).

A token is `gpt_<prefix>_<secret>`; only the prefix and a SHA-256 of the whole token are stored,
so the token is shown once, at issue. Tokens are long random strings: a fast hash suffices.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q
from django.utils import timezone

from geoportal.accounts.lockout import client_address
from layers.api.models import ApiToken, parse_networks
from layers.permissions import TokenPrincipal

TOKEN_PREFIX = "gpt_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(Exception):
    """The request carries credentials that do not authenticate it (answered with 401)."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, name: str, scope: str = ApiToken.Scope.READ, layers=(), departments=(), issued_by=None,
                expires_at=None, allowed_ips: str = "") -> tuple[ApiToken, str]:
    """Create a token; return it with the raw secret, which is never stored."""
    token = ApiToken(name=name, scope=scope, issued_by=issued_by if getattr(issued_by, "pk", None) else None,
                     expires_at=expires_at, allowed_ips=allowed_ips)
    raw = token_set_secret(token)
    token.save()
    token.layers.set(layers)
    token.departments.set(departments)
    return token, raw


def token_set_secret(token: ApiToken) -> str:
    """Give an unsaved token a prefix, hash and expiry (the admin's add form); return the raw token."""
    if token.expires_at is None and settings.API_TOKEN_MAX_DAYS:
        token.expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_MAX_DAYS)
    token.prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{token.prefix}_{secrets.token_urlsafe(32)}"
    token.token_hash = _digest(raw)
    return raw


def principal_for_token(raw: str, address: str = "") -> TokenPrincipal:
    """The principal a raw token stands for, used from `address`; TokenError when unknown,
    malformed, revoked, expired, or used from outside its allow-list."""
    parts = raw.split("_")
    if not raw.startswith(TOKEN_PREFIX) or len(parts) < 3:
        raise TokenError("Malformed API token.")
    row = _token_row(prefix=parts[1])
    if row is None or not hmac.compare_digest(row["token_hash"], _digest(raw)):
        raise TokenError("Unknown API token.")
    _check_valid(row)
    now = timezone.now()
    if row["allowed_ips"] and not _address_allowed(address, row["allowed_ips"]):
        raise TokenError("This API token may not be used from this address.")
    if (row["last_used_at"] is None or now - row["last_used_at"] > LAST_USED_RESOLUTION
            or (address and row["last_used_ip"] != address)):
        ApiToken.objects.filter(pk=row["pk"]).update(last_used_at=now, last_used_ip=address or None)
    return _principal(row)


def stored_token_principal(*, token_id: int) -> TokenPrincipal:
    """The principal of a stored token, for work done later on its behalf (webhook deliveries);
    TokenError once it is revoked or expired."""
    row = _token_row(pk=token_id)
    if row is None:
        raise TokenError("The API token no longer exists.")
    _check_valid(row)
    return _principal(row)


def _token_row(**lookup) -> dict | None:
    return (
        ApiToken.objects.filter(**lookup)
        .annotate(layer_ids=ArrayAgg("layers__id", filter=Q(layers__isnull=False), distinct=True, default=[]),
                  department_ids=ArrayAgg("departments__id", filter=Q(departments__isnull=False), distinct=True,
                                          default=[]))
        .values("pk", "name", "scope", "token_hash", "revoked", "expires_at", "allowed_ips", "last_used_at",
                "last_used_ip", "layer_ids", "department_ids")
        .first()
    )


def _check_valid(row: dict) -> None:
    if row["revoked"]:
        raise TokenError("This API token has been revoked.")
    if row["expires_at"] is not None and row["expires_at"] <= timezone.now():
        raise TokenError("This API token has expired; ask the security administrator for a new one.")


def _principal(row: dict) -> TokenPrincipal:
    return TokenPrincipal(token_id=row["pk"], name=row["name"], can_write=row["scope"] == ApiToken.Scope.WRITE,
                          layer_ids=frozenset(row["layer_ids"]), department_ids=frozenset(row["department_ids"]))


def _address_allowed(address: str, allowed: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in parse_networks(allowed))


def bearer_token(authorization: str) -> str | None:
    """The token in an `Authorization: Bearer …` (or `Token …`) header, None without such a header."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() not in ("bearer", "token"):
        return None
    if not value.strip():
        raise TokenError("The Authorization header carries no token.")
    return value.strip()


def request_principal(request):
    """Who asks: the token's principal if the request carries one, else the session's user."""
    raw = bearer_token(request.headers.get("Authorization", ""))
    if raw is None:
        return request.user
    return principal_for_token(raw, client_address(request))


def parameter_principal(request, raw: str | None):
    """Who asks a map service (WMS, WMTS): the token of a `token=` query parameter, for clients
    that cannot set headers (it lands in logs and browser histories: docs/maps.md), else the
    header's token or the session's user. An unknown or expired token raises TokenError."""
    raw = (raw or "").strip()
    return principal_for_token(raw, client_address(request)) if raw else request_principal(request)
