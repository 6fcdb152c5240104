"""A layer's stored style as MapServer CLASS blocks, drawn as the Leaflet map draws it.

Only numbers and fixed keywords reach the mapfile text: colours are parsed from "#rrggbb",
numbers are clamped to their range, symbols come from a fixed table. Anything else in the
stored style falls back to the default (layers.models.default_style), as in style.js.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from layers.models import default_style

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")
LABEL_SIZE = 10  # points at 96 dpi; scaled by the map's RESOLUTION


def rgb(value, fallback: str) -> tuple[int, int, int]:
    """"#rrggbb" as (r, g, b); a value that is not such a colour falls back."""
    match = _HEX.match(value) if isinstance(value, str) else None
    hexa = match.group(1) if match else fallback[1:]
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def number(value, fallback: float, low: float, high: float) -> float:
    """A finite number clamped to [low, high]; anything else falls back."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return fallback
    return min(max(float(value), low), high)


def _color(rgb_value: tuple[int, int, int]) -> str:
    r, g, b = rgb_value
    return f"{r} {g} {b}"


# Point symbols of frontend/static/frontend/js/symbols.js, in units of the radius (y down).
def _star() -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        radius = 0.55 if i % 2 else 1.3
        points.append((math.cos(angle) * radius, math.sin(angle) * radius))
    return points


_A, _B = 0.38, 1.15
SHAPES: dict[str, list[tuple[float, float]]] = {
    "square": [(-1, -1), (1, -1), (1, 1), (-1, 1)],
    "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
    "triangle": [(0, -1.25), (1.15, 0.85), (-1.15, 0.85)],
    "star": _star(),
    "cross": [(-_A, -_B), (_A, -_B), (_A, -_A), (_B, -_A), (_B, _A), (_A, _A), (_A, _B), (-_A, _B), (-_A, _A),
              (-_B, _A), (-_B, -_A), (-_A, -_A)],
}


@dataclass(frozen=True)
class _SymbolFrame:
    """A shape moved to MapServer's frame (coordinates from 0): its height in radii, anchor."""

    points: list[tuple[float, float]]
    height: float
    anchor: tuple[float, float]


def _frame(shape: list[tuple[float, float]]) -> _SymbolFrame:
    min_x, min_y = min(x for x, _ in shape), min(y for _, y in shape)
    max_x, max_y = max(x for x, _ in shape), max(y for _, y in shape)
    points = [(x - min_x, y - min_y) for x, y in shape]
    width, height = max_x - min_x, max_y - min_y
    return _SymbolFrame(points, height, (-min_x / width, -min_y / height))


_FRAMES = {name: _frame(shape) for name, shape in SHAPES.items()}


def symbols_block() -> str:
    """SYMBOL blocks: a filled circle and the five shapes, closed polygons."""
    blocks = ['SYMBOL NAME "circle" TYPE ELLIPSE FILLED TRUE POINTS 1 1 END END']
    for name, frame in _FRAMES.items():
        points = " ".join(f"{x:.4f} {y:.4f}" for x, y in frame.points + frame.points[:1])
        blocks.append(f'SYMBOL NAME "{name}" TYPE VECTOR FILLED TRUE POINTS {points} END '
                      f'ANCHORPOINT {frame.anchor[0]:.4f} {frame.anchor[1]:.4f} END')
    return "\n".join(blocks)


@dataclass(frozen=True)
class VectorStyle:
    stroke: tuple[int, int, int]
    fill: tuple[int, int, int]
    opacity: float
    fill_opacity: float
    weight: float
    radius: float
    symbol: str
    label_field: str


def vector_style(style) -> VectorStyle:
    """The stored style with defaults, checked (a symbol outside the table is a circle)."""
    base = default_style()
    style = style if isinstance(style, dict) else {}
    stroke = rgb(style.get("stroke"), base["stroke"])
    fill_value = style.get("fill") or style.get("stroke")
    symbol = style.get("symbol")
    label = style.get("label_field")
    return VectorStyle(
        stroke=stroke, fill=rgb(fill_value, base["fill"]),
        opacity=number(style.get("opacity"), base["opacity"], 0, 1),
        fill_opacity=number(style.get("fill_opacity"), base["fill_opacity"], 0, 1),
        weight=number(style.get("weight"), base["weight"], 0, 50),
        radius=number(style.get("radius"), base["radius"], 0.5, 100),
        symbol=symbol if symbol in _FRAMES else "circle",
        label_field=label if isinstance(label, str) else "",
    )


def _pct(value: float) -> int:
    return round(value * 100)


def point_style_block(style: VectorStyle) -> str:
    """Fill drawn more solidly than a polygon's (style.js pointStyle), outline by the stroke."""
    fill_opacity = max(style.fill_opacity, 0.7)
    if style.symbol == "circle":
        size = 2 * style.radius
    else:
        size = style.radius * _FRAMES[style.symbol].height
    return (f'STYLE SYMBOL "{style.symbol}" SIZE {size:.2f} COLOR {_color(style.fill)} OPACITY {_pct(fill_opacity)} '
            f'OUTLINECOLOR {_color(style.stroke)} WIDTH {style.weight:.2f} END')


def line_style_block(style: VectorStyle) -> str:
    return (f"STYLE COLOR {_color(style.stroke)} WIDTH {style.weight:.2f} OPACITY {_pct(style.opacity)} "
            "LINECAP ROUND LINEJOIN ROUND END")


def polygon_style_block(style: VectorStyle) -> str:
    return (f"STYLE COLOR {_color(style.fill)} OPACITY {_pct(style.fill_opacity)} END\n"
            f"STYLE OUTLINECOLOR {_color(style.stroke)} WIDTH {style.weight:.2f} OPACITY {_pct(style.opacity)} "
            "LINEJOIN ROUND END")


_BLOCKS = {"point": point_style_block, "line": line_style_block, "polygon": polygon_style_block}


def label_block(dimension: str) -> str:
    """Dark text with a white halo in the CJK font; points' labels beside the symbol."""
    position = "CC" if dimension == "polygon" else "AUTO"
    extra = " ANGLE FOLLOW" if dimension == "line" else ""
    return (f'LABEL TYPE TRUETYPE FONT "cjk" SIZE {LABEL_SIZE} COLOR 33 33 33 OUTLINECOLOR 255 255 255 '
            f"OUTLINEWIDTH 2 POSITION {position}{extra} OFFSET 0 0 PARTIALS FALSE MINDISTANCE 20 END")


def vector_class_block(style: VectorStyle, dimension: str, *, labelled: bool) -> str:
    """The one CLASS of a vector layer of `dimension` (point, line or polygon)."""
    label = label_block(dimension) if labelled else ""
    return f"CLASS\n{_BLOCKS[dimension](style)}\n{label}\nEND"


# Elevation: the ramp used when the style names none, over the layer's value range.
DEFAULT_RAMP_COLORS = ("#1a9850", "#a6d96a", "#fee08b", "#d7804f", "#f5f5f5")


@dataclass(frozen=True)
class RasterStyle:
    opacity: float
    ramp: list[tuple[float, tuple[int, int, int]]]
    hillshade: bool
    hillshade_opacity: float


def raster_style(style, value_range) -> RasterStyle:
    """The stored raster style checked: ramp stops sorted by value, colours parsed; an absent
    or unusable ramp becomes DEFAULT_RAMP_COLORS spread over `value_range`."""
    style = style if isinstance(style, dict) else {}
    raster = style.get("raster") if isinstance(style.get("raster"), dict) else {}
    stops = []
    for stop in raster.get("ramp") or []:
        if isinstance(stop, (list, tuple)) and len(stop) == 2 and _HEX.match(str(stop[1])):
            value = number(stop[0], math.nan, -1e12, 1e12)
            if not math.isnan(value):
                stops.append((value, rgb(stop[1], "#000000")))
    stops.sort(key=lambda stop: stop[0])
    if not stops:
        low, high = (value_range[0], value_range[1]) if len(value_range or []) == 2 else (0.0, 1000.0)
        step = (high - low) / (len(DEFAULT_RAMP_COLORS) - 1) or 1.0
        stops = [(low + i * step, rgb(color, "#000000")) for i, color in enumerate(DEFAULT_RAMP_COLORS)]
    return RasterStyle(
        opacity=number(style.get("opacity"), 1.0, 0, 1), ramp=stops,
        hillshade=bool(raster.get("hillshade")),
        hillshade_opacity=number(raster.get("hillshade_opacity"), 0.5, 0, 1),
    )


def _value(value: float) -> str:
    return repr(float(value))


def ramp_class_blocks(style: RasterStyle) -> str:
    """Linear colours between stops (COLORRANGE/DATARANGE per stop pair), clamped outside."""
    stops = style.ramp
    first_value, first_color = stops[0]
    last_value, last_color = stops[-1]
    blocks = [f"CLASS EXPRESSION ([pixel] < {_value(first_value)}) STYLE COLOR {_color(first_color)} END END"]
    for (low, low_color), (high, high_color) in zip(stops, stops[1:], strict=False):
        if high > low:
            blocks.append(
                f"CLASS EXPRESSION ([pixel] >= {_value(low)} AND [pixel] < {_value(high)}) "
                f"STYLE COLORRANGE {_color(low_color)} {_color(high_color)} "
                f"DATARANGE {_value(low)} {_value(high)} RANGEITEM \"[pixel]\" END END")
    blocks.append(f"CLASS EXPRESSION ([pixel] >= {_value(last_value)}) STYLE COLOR {_color(last_color)} END END")
    return "\n".join(blocks)
