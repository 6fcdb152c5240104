"""Entity tags of features: the stored version, so If-Match carries the base version of a write."""
from __future__ import annotations

import re

_ETAG_RE = re.compile(r'^\s*(?:W/)?"v(\d{1,18})"\s*$')


class PreconditionError(ValueError):
    """An If-Match header that names no version of ours."""


def etag_for(version: int) -> str:
    return f'"v{version}"'


def version_from_if_match(value: str | None) -> int | None:
    """The base version an If-Match names; None when absent or "*" (any current version)."""
    if value is None or value.strip() in ("", "*"):
        return None
    match = _ETAG_RE.match(value.split(",")[0])
    if not match:
        raise PreconditionError(f"If-Match {value!r} is not an entity tag of this server (e.g. \"v3\").")
    return int(match.group(1))
