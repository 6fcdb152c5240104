"""What the feature endpoints (OGC API items, REST features, exports) answer about a raster layer:
it has no features, and where its pixels are served instead."""
from __future__ import annotations

from layers.models import Layer


def no_features_message(layer: Layer) -> str:
    return (f"{layer.slug} is a raster layer: it has no features. Draw it from "
            f"/tiles/{layer.slug}/{{z}}/{{x}}/{{y}}.png, /wms, /wmts or /ogc/collections/{layer.slug}/map.")
