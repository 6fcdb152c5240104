"""Reading configuration from the environment (12-factor).

Every setting that differs between deployments is read here, once, with its
type and default, so that settings.py stays declarative.
"""
import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def redis_database(url: str, database: int) -> str:
    """The same Redis server as `url`, another numbered database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def env_floats(name: str, default: str) -> list[float]:
    """Comma-separated numbers; how many there must be, and their ranges, are system checks
    (geoportal/checks.py), so that every mistake is reported at once with a stable id."""
    items = env_list(name, default)
    try:
        return [float(item) for item in items]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated numbers, not {os.environ.get(name)!r}.") from exc
