"""System checks of the hardening settings, with stable ids:

    geoportal.security.E001  an upload or backup folder (MEDIA_ROOT, RASTER_ROOT, IMPORT_WORK_DIR,
                             BACKUP_DIR) lies inside STATIC_ROOT, or STATIC_ROOT inside it: the
                             static file server would hand them out raw, past every permission check
    geoportal.security.E002  the Content-Security-Policy allows inline or evaluated code
    geoportal.security.E003  REQUEST_MAX_BYTES is not a positive number of bytes
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register

UPLOAD_SETTINGS = ("MEDIA_ROOT", "RASTER_ROOT", "IMPORT_WORK_DIR", "BACKUP_DIR")
UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*")


def _overlap(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


@register(Tags.security)
def check_upload_folders(app_configs=None, **kwargs) -> list:
    static_root = Path(settings.STATIC_ROOT).resolve()
    errors = []
    for name in UPLOAD_SETTINGS:
        if not getattr(settings, name, None):
            continue
        folder = Path(getattr(settings, name)).resolve()
        if _overlap(folder, static_root):
            errors.append(Error(
                f"{name} ({folder}) and STATIC_ROOT ({static_root}) overlap: static files are served to anyone, "
                "without permission checks or content-type checks.",
                hint=f"Put {name} outside STATIC_ROOT (the default is var/media, beside var/static).",
                id="geoportal.security.E001"))
    return errors


@register(Tags.security)
def check_content_security_policy(app_configs=None, **kwargs) -> list:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    errors = []
    for name in ("default-src", "script-src", "style-src"):
        unsafe = [source for source in directives.get(name, []) if source in UNSAFE_SOURCES]
        if unsafe or name not in directives:
            errors.append(Error(
                f"The Content-Security-Policy's {name} is {directives.get(name)!r}; it must not allow "
                f"{', '.join(unsafe) or 'everything (missing)'}.",
                hint="Move inline code into static files (docs/security.md, Hardening).",
                id="geoportal.security.E002"))
    return errors


@register(Tags.security)
def check_request_limit(app_configs=None, **kwargs) -> list:
    limit = getattr(settings, "REQUEST_MAX_BYTES", None)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        return [Error(f"REQUEST_MAX_BYTES is {limit!r}; it must be a positive number of bytes.",
                      hint="For 10 MB: REQUEST_MAX_BYTES=10485760", id="geoportal.security.E003")]
    return []
