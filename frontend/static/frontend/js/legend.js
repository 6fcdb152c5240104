// Legend swatches drawn from a layer's style, in the same colours, weights and opacities as
// the map: a filled square for polygons, a stroke for lines, the point symbol for points.
import { svg } from "./dom.js";
import { pointStyle, styleOf } from "./style.js";
import { hasShape, symbolPath } from "./symbols.js";

const SIZE = 18;

function polygonSymbol(style) {
  return svg("path", {
    d: "M3 6 L9 2.5 L15.5 5 L15 14.5 L6 15.5 L2.5 11 Z",
    fill: style.fill || style.stroke, "fill-opacity": Math.max(style.fill_opacity, 0.45),
    stroke: style.stroke, "stroke-opacity": style.opacity, "stroke-width": Math.min(Math.max(style.weight, 1.2), 3),
    "stroke-linejoin": "round",
  });
}

function lineSymbol(style) {
  return svg("path", {
    d: `M2 ${SIZE - 5} L${SIZE / 2 - 2} 6 L${SIZE / 2 + 3} ${SIZE - 7} L${SIZE - 2} 4`,
    fill: "none", stroke: style.stroke, "stroke-opacity": style.opacity,
    "stroke-width": Math.min(Math.max(style.weight, 1.5), 4), "stroke-linejoin": "round", "stroke-linecap": "round",
  });
}

function pointSymbol(layer) {
  const style = pointStyle(layer);
  const paint = {
    fill: style.fillColor, "fill-opacity": style.fillOpacity,
    stroke: style.color, "stroke-opacity": style.opacity, "stroke-width": Math.min(style.weight, 2),
  };
  const symbol = styleOf(layer).symbol;
  if (hasShape(symbol)) return svg("path", { d: symbolPath(symbol, 5.5, SIZE / 2, SIZE / 2), ...paint });
  const r = Math.min(Math.max(styleOf(layer).radius, 3), SIZE / 2 - 2);
  return svg("circle", { cx: SIZE / 2, cy: SIZE / 2, r, ...paint });
}

export function swatch(layer) {
  const style = styleOf(layer);
  const symbols = {
    point: () => [pointSymbol(layer)],
    line: () => [lineSymbol(style)],
    polygon: () => [polygonSymbol(style)],
    mixed: () => [polygonSymbol(style), pointSymbol(layer)],
  };
  return svg(
    "svg",
    { class: `gp-swatch gp-swatch-${layer.geometry_type}`, width: SIZE, height: SIZE,
      viewBox: `0 0 ${SIZE} ${SIZE}`, "aria-hidden": "true", "data-swatch": layer.slug },
    (symbols[layer.geometry_type] || symbols.polygon)(),
  );
}
