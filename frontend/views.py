"""The map page. Everything the page needs to start is rendered into it as one JSON config."""
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from layers.selectors import layer_list_visible
from layers.tiles.grid import GRID_MAX_ZOOM


def _basemap() -> dict | None:
    if settings.BASEMAP_URL:
        return {"url": settings.BASEMAP_URL, "attribution": settings.BASEMAP_ATTRIBUTION}
    if settings.TIANDITU_KEY:
        return {
            "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
            f"&tk={settings.TIANDITU_KEY}",
            "subdomains": "01234567",
            "attribution": "© 天地图 Tianditu",
            "label": "天地图 Tianditu",
        }
    return None


@require_GET
def map_view(request):
    language = get_language() or "zh-hans"
    user = request.user
    config = {
        "language": "en" if language.startswith("en") else "zh",
        "center": settings.MAP_CENTER,
        "zoom": settings.MAP_ZOOM,
        "basemap": _basemap(),
        "layers": layer_list_visible(user, language),
        "user": {
            "authenticated": user.is_authenticated,
            "username": user.get_username() if user.is_authenticated else "",
        },
        "urls": {"layers": "/api/layers/", "search": "/api/search"},
        # Layers with more features than the threshold are drawn from vector tiles.
        "tiles": {"url": "/tiles/", "threshold": settings.MAP_TILED_LAYER_THRESHOLD, "max_zoom": GRID_MAX_ZOOM},
        # Where the live map's socket is (docs/live.md); empty: the map does not follow edits.
        "live": {"url": settings.LIVE_URL},
    }
    # Leaflet.VectorGrid is loaded only by pages that draw a layer from tiles.
    tiled = any(layer["feature_count"] > settings.MAP_TILED_LAYER_THRESHOLD for layer in config["layers"])
    return render(request, "frontend/map.html", {"config": config, "tiled": tiled})
