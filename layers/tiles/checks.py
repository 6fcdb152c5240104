"""System checks of the tile settings, so that a bad value stops `manage.py check` and start-up
instead of failing on the first tile request."""
from django.conf import settings
from django.core.checks import Error, register

from layers.tiles.queries import GEOJSON_BUDGET_SHARE

CACHE_SCHEMES = ("redis://", "rediss://", "unix://")


@register()
def check_tile_settings(app_configs=None, **kwargs):
    errors = []
    url = settings.TILE_CACHE_URL
    if url and not url.startswith(CACHE_SCHEMES):
        errors.append(Error(f"TILE_CACHE_URL must be a Redis URL ({', '.join(CACHE_SCHEMES)}) or empty, not {url!r}.",
                            id="tiles.E001"))
    if settings.TILE_CACHE_MAX_BYTES < 1024 * 1024:
        errors.append(Error("TILE_CACHE_MAX_BYTES must be at least 1 MB (1048576).", id="tiles.E002"))
    if settings.TILE_MAX_FEATURES < GEOJSON_BUDGET_SHARE:
        errors.append(Error(f"TILE_MAX_FEATURES must be at least {GEOJSON_BUDGET_SHARE}.", id="tiles.E003"))
    return errors
