// A layer's stored style (layers.models.default_style) as Leaflet path options, and the
// map panes that keep polygons under lines under points whatever order layers load in.
const DEFAULTS = { stroke: "#3367d6", fill: "#6f9bf1", opacity: 0.8, fill_opacity: 0.3, weight: 2, radius: 6 };

const PANES = [
  // name, z-index inside the overlay pane
  ["gp-raster", 0],
  ["gp-backdrop", 1],
  ["gp-polygon", 2],
  ["gp-line", 3],
  ["gp-point", 4],
];

export function createPanes(map) {
  const overlayPane = map.getPane("overlayPane");
  for (const [name, zIndex] of PANES) {
    if (!map.getPane(name)) map.createPane(name, overlayPane).style.zIndex = String(zIndex);
  }
}

export function paneFor(layer) {
  if (layer.theme === "boundaries") return "gp-backdrop";
  if (layer.geometry_type === "point") return "gp-point";
  if (layer.geometry_type === "line") return "gp-line";
  return "gp-polygon";
}

export function styleOf(layer) {
  return { ...DEFAULTS, ...(layer.style || {}) };
}

export function leafletStyle(layer) {
  const style = styleOf(layer);
  return {
    pane: paneFor(layer),
    color: style.stroke,
    weight: style.weight,
    opacity: style.opacity,
    fillColor: style.fill || style.stroke,
    fillOpacity: style.fill_opacity,
  };
}

// Points are circle markers; their fill is drawn more solidly than a polygon's so they read.
export function pointStyle(layer) {
  const style = styleOf(layer);
  return { ...leafletStyle(layer), radius: style.radius, fillOpacity: Math.max(style.fill_opacity, 0.7) };
}

// Labels from style.label_field show from this zoom on (style.label_min_zoom when given).
export function labelMinZoom(layer) {
  const style = styleOf(layer);
  if (Number.isFinite(style.label_min_zoom)) return style.label_min_zoom;
  return layer.geometry_type === "polygon" ? layer.min_zoom : Math.max(layer.min_zoom, 15);
}
