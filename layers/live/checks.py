"""System checks of the live map's settings: a bad value stops start-up, not the first page."""
import re

from django.conf import settings
from django.core.checks import Error, register

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# "/live/" (same origin), ":8001/live/" (the page's host, another port), or a full WebSocket URL.
LIVE_URL_FORM = re.compile(r"^(/|:\d{1,5}/|wss?://[^/\s]+/)\S*$")


@register()
def check_live_settings(app_configs=None, **kwargs):
    errors = []
    url = settings.LIVE_URL
    if url and not LIVE_URL_FORM.match(url):
        errors.append(Error(
            f"LIVE_URL must be empty (off), a path such as /live/, a port and path such as :8001/live/, "
            f"or a ws:// or wss:// URL, not {url!r}.", id="live.E001"))
    if not settings.LIVE_REDIS_URL.startswith(REDIS_SCHEMES):
        errors.append(Error(f"LIVE_REDIS_URL must be a Redis URL ({', '.join(REDIS_SCHEMES)}), "
                            f"not {settings.LIVE_REDIS_URL!r}.", id="live.E002"))
    if settings.LIVE_RECHECK_SECONDS < 1:
        errors.append(Error("LIVE_RECHECK_SECONDS must be at least 1.", id="live.E003"))
    return errors
