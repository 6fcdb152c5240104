"""System checks of the webhook settings (ids changes.E001…)."""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register

from layers.api.models import parse_networks


@register()
def webhook_settings(app_configs, **kwargs):
    errors = []
    for prefix in settings.WEBHOOK_ALLOWED_URLS:
        parts = urlsplit(prefix)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append(Error(f"WEBHOOK_ALLOWED_URLS entry {prefix!r} is not an http(s) URL with a host.",
                                hint="List URL prefixes such as https://sync.example.cn/hooks/", id="changes.E001"))
    try:
        parse_networks(",".join(settings.WEBHOOK_ALLOWED_NETWORKS))
    except ValueError as exc:
        errors.append(Error(f"WEBHOOK_ALLOWED_NETWORKS: {exc}", id="changes.E002"))
    if settings.WEBHOOK_MAX_FAILURES < 1 or settings.WEBHOOK_RETRY_BASE < 1 or settings.WEBHOOK_TIMEOUT <= 0:
        errors.append(Error("WEBHOOK_MAX_FAILURES, WEBHOOK_RETRY_BASE and WEBHOOK_TIMEOUT must be positive.",
                            id="changes.E003"))
    return errors
