"""Raster layers' style: `{"opacity": 0–1, "raster": {"ramp": [[value, "#rrggbb"], …], "hillshade": bool,
"hillshade_opacity": 0–1}}`. Ramp and hillshade apply to elevation only (linear colours between
stops, values outside clamp, nodata transparent); imagery and paletted maps draw as they are."""
from __future__ import annotations

import math
import re

# Hypsometric tints, low to high (green lowlands, yellow-brown hills, pale summits), as fractions of the range.
HYPSOMETRIC = [(0.0, "#2b8a3e"), (0.2, "#74b816"), (0.4, "#d8d25a"), (0.6, "#c98a3a"), (0.8, "#9c5a2e"),
               (1.0, "#f1ece4")]
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def hypsometric_ramp(low: float, high: float) -> list[list]:
    span = (high - low) or 1.0
    return [[round(low + share * span, 2), colour] for share, colour in HYPSOMETRIC]


def default_raster_style(*, kind: str, value_range: list[float]) -> dict:
    if kind != "elevation":
        return {"opacity": 1}
    low, high = value_range or (0.0, 1.0)
    return {"opacity": 1, "raster": {"ramp": hypsometric_ramp(low, high), "hillshade": True,
                                     "hillshade_opacity": 0.5}}


def _share(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number from 0 to 1.")
    return float(value)


def validate_raster_style(style, *, kind: str) -> dict:
    """The style cleaned, or ValueError with a message naming the wrong part."""
    if not isinstance(style, dict):
        raise ValueError("A raster layer's style must be an object.")
    unknown = set(style) - {"opacity", "raster"}
    if unknown:
        raise ValueError(f"Unknown raster style keys: {', '.join(sorted(unknown))} (allowed: opacity, raster).")
    cleaned: dict = {"opacity": _share(style.get("opacity", 1), "opacity")}
    raster = style.get("raster")
    if raster is None:
        return cleaned
    if not isinstance(raster, dict):
        raise ValueError("style.raster must be an object.")
    if kind != "elevation":
        if raster:
            raise ValueError("Colour ramps and hillshade apply to elevation layers only; "
                             "imagery and scanned maps draw as they are.")
        return cleaned
    unknown = set(raster) - {"ramp", "hillshade", "hillshade_opacity"}
    if unknown:
        raise ValueError(f"Unknown keys in style.raster: {', '.join(sorted(unknown))}.")
    ramp = raster.get("ramp", [])
    if not isinstance(ramp, list) or len(ramp) < 2:
        raise ValueError("style.raster.ramp needs at least two stops [value, \"#rrggbb\"].")
    stops = []
    for i, stop in enumerate(ramp):
        if (not isinstance(stop, (list, tuple)) or len(stop) != 2 or isinstance(stop[0], bool)
                or not isinstance(stop[0], (int, float)) or not math.isfinite(stop[0])
                or not isinstance(stop[1], str) or not _COLOUR.match(stop[1])):
            raise ValueError(f"style.raster.ramp stop {i + 1} must be [value, \"#rrggbb\"].")
        if stops and stop[0] <= stops[-1][0]:
            raise ValueError("style.raster.ramp values must increase from stop to stop.")
        stops.append([float(stop[0]), stop[1].lower()])
    hillshade = raster.get("hillshade", False)
    if not isinstance(hillshade, bool):
        raise ValueError("style.raster.hillshade must be true or false.")
    cleaned["raster"] = {"ramp": stops, "hillshade": hillshade,
                         "hillshade_opacity": _share(raster.get("hillshade_opacity", 0.5), "hillshade_opacity")}
    return cleaned
