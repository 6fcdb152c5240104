// Legend swatches drawn from a layer's style, in the same colours, weights and opacities as
// the map: a filled square for polygons, a stroke for lines, the point symbol for points; for
// raster layers the colour ramp of an elevation style (lowest value at the bottom), or a small
// picture frame for imagery and scanned maps, which draw as they are.
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

// The ramp's stops as [offset 0–1, colour], ordered by value.
export function rampStops(ramp) {
  const stops = (ramp || []).filter((stop) => Array.isArray(stop) && Number.isFinite(Number(stop[0])))
    .map(([value, colour]) => [Number(value), colour]).sort((a, b) => a[0] - b[0]);
  if (!stops.length) return [];
  const low = stops[0][0];
  const span = stops[stops.length - 1][0] - low || 1;
  return stops.map(([value, colour]) => [(value - low) / span, colour]);
}

// A CSS gradient of a ramp, from `direction` (e.g. "to right"); grey without stops.
export function rampGradient(ramp, direction = "to top") {
  const stops = rampStops(ramp);
  if (!stops.length) return "#9aa5ad";
  return `linear-gradient(${direction}, ${stops.map(([at, colour]) => `${colour} ${(at * 100).toFixed(1)}%`).join(", ")})`;
}

function rasterSymbols(layer) {
  const ramp = layer.raster?.kind === "elevation" ? layer.style?.raster?.ramp : null;
  if (ramp?.length) {
    const id = `gp-ramp-${layer.slug}`;
    return [
      svg("defs", {}, [svg("linearGradient", { id, x1: "0", y1: "1", x2: "0", y2: "0" },
        rampStops(ramp).map(([at, colour]) => svg("stop", { offset: at, "stop-color": colour })))]),
      svg("rect", { x: 3, y: 2, width: SIZE - 6, height: SIZE - 4, rx: 1.5, fill: `url(#${id})`,
        stroke: "#5b6770", "stroke-width": 0.8, "data-ramp": ramp.length }),
    ];
  }
  return [
    svg("rect", { x: 2, y: 3, width: SIZE - 4, height: SIZE - 6, rx: 1.5, fill: "#e8eef2", stroke: "#5b6770",
      "stroke-width": 1 }),
    svg("path", { d: `M3 ${SIZE - 4} L7.5 8.5 L10.5 12 L12.5 10 L${SIZE - 3} ${SIZE - 4} Z`, fill: "#6f8f72" }),
  ];
}

export function swatch(layer) {
  if (layer.kind === "raster") {
    return svg("svg", { class: "gp-swatch gp-swatch-raster", width: SIZE, height: SIZE, viewBox: `0 0 ${SIZE} ${SIZE}`,
      "aria-hidden": "true", "data-swatch": layer.slug }, rasterSymbols(layer));
  }
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
