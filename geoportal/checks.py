"""System checks of Geoportal's own settings, with stable ids, so that a deployment with a
mistyped city, extent, centre or base map fails `manage.py check` instead of drawing the wrong map.

    geoportal.E001  GEOPORTAL_CITY_CODE is not a six-digit GB/T 2260 code
    geoportal.E002  CITY_EXTENT is not west,south,east,north in degrees
    geoportal.E003  MAP_CENTER is not lat,lon in degrees
    geoportal.W004  MAP_CENTER lies outside CITY_EXTENT
    geoportal.E005  BASEMAP_URL is not an http(s) XYZ template with {z}, {x} and {y}
    geoportal.E006  MAP_ZOOM is outside 0-22
    geoportal.E040  TRUSTED_PROXIES holds something that is not a network (CIDR)
    geoportal.W007  PostgreSQL's autovacuum is off (a database check: `check --database default`,
                    and every `migrate`)
    geoportal.E020  AUDIT_HASH is neither sha256 nor sm3
    geoportal.E021  AUDIT_RETENTION_DAYS is under 180
    geoportal.E022  PII_KEYS is empty (outside DEBUG) or malformed
    geoportal.E023  PII_CIPHER is neither aes-gcm nor sm4, or the current key does not fit it
    geoportal.E024  PII_RETENTION_DAYS is under 1
    geoportal.E030  PERIODIC_TASKS names something that is not an importable callable
    geoportal.E031  PERIODIC_TASKS holds an entry that is not (dotted path, whole seconds > 0)
"""
from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from django.utils.module_loading import import_string

from annotations.pii import CIPHERS, parse_keys


def _numbers(value, count: int) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == count
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))


def _extent_ok(extent) -> bool:
    if not _numbers(extent, 4):
        return False
    west, south, east, north = extent
    return -180 <= west < east <= 180 and -90 <= south < north <= 90


def _centre_ok(centre) -> bool:
    return _numbers(centre, 2) and -90 <= centre[0] <= 90 and -180 <= centre[1] <= 180


@register(Tags.compatibility)
def check_city(app_configs=None, **kwargs) -> list:
    errors = []
    code = getattr(settings, "GEOPORTAL_CITY_CODE", "")
    if not (isinstance(code, str) and re.fullmatch(r"[1-8]\d{3}00", code)):
        errors.append(Error(
            f"GEOPORTAL_CITY_CODE is {code!r}; it must be the six-digit GB/T 2260 code of a prefecture-level "
            "city, ending in 00 (Harbin: 230100).", id="geoportal.E001"))
    extent = getattr(settings, "CITY_EXTENT", None)
    if not _extent_ok(extent):
        errors.append(Error(
            f"CITY_EXTENT is {extent!r}; it must be four numbers west,south,east,north in degrees, with "
            "west < east and south < north.", hint="For Harbin: CITY_EXTENT=125.3,43.8,131.0,47.0",
            id="geoportal.E002"))
    centre = getattr(settings, "MAP_CENTER", None)
    if not _centre_ok(centre):
        errors.append(Error(
            f"MAP_CENTER is {centre!r}; it must be two numbers lat,lon in degrees (latitude first).",
            hint="For Harbin: MAP_CENTER=45.757,126.642", id="geoportal.E003"))
    elif _extent_ok(extent):
        lat, lon = centre
        west, south, east, north = extent
        if not (west <= lon <= east and south <= lat <= north):
            errors.append(Warning(
                f"MAP_CENTER {centre!r} lies outside CITY_EXTENT {extent!r}: the map would open away from the "
                "city. Is MAP_CENTER written lat,lon?", id="geoportal.W004"))
    zoom = getattr(settings, "MAP_ZOOM", None)
    if not (isinstance(zoom, int) and 0 <= zoom <= 22):
        errors.append(Error(f"MAP_ZOOM is {zoom!r}; it must be a whole number from 0 to 22.", id="geoportal.E006"))
    return errors


@register(Tags.compatibility)
def check_basemap(app_configs=None, **kwargs) -> list:
    url = getattr(settings, "BASEMAP_URL", "")
    if not url:
        return []
    if not re.match(r"https?://", url) or not all(part in url for part in ("{z}", "{x}", "{y}")):
        return [Error(
            f"BASEMAP_URL is {url!r}; it must be an http(s) XYZ tile template containing {{z}}, {{x}} and {{y}}.",
            hint="For example https://tile.openstreetmap.org/{z}/{x}/{y}.png, or leave it empty for no base map.",
            id="geoportal.E005")]
    return []


@register(Tags.database)
def check_autovacuum(app_configs=None, databases=None, **kwargs) -> list:
    """Every edit, import and history write leaves dead rows; without autovacuum they stay, and
    tile, page and search queries read through them (seen: a layer's tiles twice as slow)."""
    if not databases or "default" not in databases:
        return []
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT setting FROM pg_settings WHERE name = 'autovacuum'")
            (setting,) = cursor.fetchone()
    except DatabaseError:
        return []  # an unreachable database is reported by the checks that need it
    if setting == "on":
        return []
    return [Warning(
        "PostgreSQL's autovacuum is off: rows left behind by edits and imports are never cleaned up, "
        "and every tile, page and search reads through them.",
        hint="Set autovacuum = on in postgresql.conf (PostgreSQL's default), or run VACUUM (ANALYZE) "
             "regularly, e.g. nightly.", id="geoportal.W007")]


@register(Tags.security)
def check_trusted_proxies(app_configs=None, **kwargs) -> list:
    """A mistyped proxy network would otherwise fail every request (geoportal/forwarded.py)."""
    errors = []
    for network in getattr(settings, "TRUSTED_PROXIES", []):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors.append(Error(f"TRUSTED_PROXIES holds {network!r}, which is not a network.",
                                hint="Comma-separated CIDR networks, e.g. TRUSTED_PROXIES=127.0.0.1/32,10.0.0.0/8",
                                id="geoportal.E040"))
    return errors


# Audit trail and personal information (docs/security.md "Audit", "Personal information").
AUDIT_MIN_RETENTION_DAYS = 180  # the Cybersecurity Law's six months of network logs


@register(Tags.security)
def check_audit(app_configs=None, **kwargs) -> list:
    errors = []
    if settings.AUDIT_HASH not in ("sha256", "sm3"):
        errors.append(Error(f"AUDIT_HASH is {settings.AUDIT_HASH!r}; it must be sha256 or sm3.",
                            id="geoportal.E020"))
    if settings.AUDIT_RETENTION_DAYS < AUDIT_MIN_RETENTION_DAYS:
        errors.append(Error(
            f"AUDIT_RETENTION_DAYS is {settings.AUDIT_RETENTION_DAYS}; audit entries must be kept at least "
            f"{AUDIT_MIN_RETENTION_DAYS} days.", hint="Set AUDIT_RETENTION_DAYS=180 or more.", id="geoportal.E021"))
    return errors


@register(Tags.security)
def check_personal_information(app_configs=None, **kwargs) -> list:
    errors = []
    try:
        keys = parse_keys(settings.PII_KEYS)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="geoportal.E022")]
    if not keys and not settings.DEBUG:
        errors.append(Error("PII_KEYS is empty: submitters' names and contacts cannot be stored encrypted.",
                            hint="PII_KEYS=1:$(openssl rand -base64 32)", id="geoportal.E022"))
    if settings.PII_CIPHER not in CIPHERS:
        errors.append(Error(f"PII_CIPHER is {settings.PII_CIPHER!r}; it must be one of {', '.join(CIPHERS)}.",
                            id="geoportal.E023"))
    elif keys and len(keys[max(keys)]) not in CIPHERS[settings.PII_CIPHER]:
        errors.append(Error(
            f"PII_KEYS version {max(keys)} is {len(keys[max(keys)])} bytes; {settings.PII_CIPHER} takes "
            f"{' or '.join(str(n) for n in CIPHERS[settings.PII_CIPHER])}.", id="geoportal.E023"))
    if settings.PII_RETENTION_DAYS < 1:
        errors.append(Error("PII_RETENTION_DAYS must be at least 1.", id="geoportal.E024"))
    return errors


@register(Tags.compatibility)
def check_periodic_tasks(app_configs=None, **kwargs) -> list:
    """The worker would log a failure at each interval for a task it cannot import: fail here."""
    errors = []
    for entry in getattr(settings, "PERIODIC_TASKS", []):
        if not (isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], int) and not isinstance(entry[1], bool) and entry[1] > 0):
            errors.append(Error(f"PERIODIC_TASKS entry {entry!r} is not (dotted path, whole seconds > 0).",
                                id="geoportal.E031"))
            continue
        try:
            function = import_string(entry[0])
        except ImportError as exc:
            errors.append(Error(f"PERIODIC_TASKS names {entry[0]!r}, which cannot be imported: {exc}",
                                id="geoportal.E030"))
            continue
        if not callable(function):
            errors.append(Error(f"PERIODIC_TASKS names {entry[0]!r}, which is not callable.", id="geoportal.E030"))
    return errors
