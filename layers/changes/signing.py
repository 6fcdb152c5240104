"""The signature of webhook payloads: `Geoportal-Signature: t=<unix seconds>,v1=<hex>`, where the
hex is HMAC-SHA256 with the subscription's secret over `<t>.` followed by the raw body. Receivers
recompute it and refuse a `t` older than REPLAY_WINDOW seconds (docs/changes.md)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Geoportal-Signature"
REPLAY_WINDOW = 300


def new_secret() -> str:
    return secrets.token_hex(32)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def signature_valid(*, secret: str, body: bytes, header: str, now: float | None = None,
                    window: int = REPLAY_WINDOW) -> bool:
    """What a receiver checks: a v1 signature of this body and a timestamp within the window."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > window:
        return False
    return hmac.compare_digest(fields.get("v1", ""), _mac(secret, timestamp, body))
