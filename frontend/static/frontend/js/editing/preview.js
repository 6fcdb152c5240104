// Small SVG previews of GeoJSON geometries (history entries, conflicts), drawn in a shared
// frame so that versions of one feature can be compared at a glance.
const SVG = "http://www.w3.org/2000/svg";

function rings(geometry) {
  const c = geometry.coordinates;
  switch (geometry.type) {
    case "Point": return [[c]];
    case "MultiPoint": case "LineString": return [c];
    case "MultiLineString": case "Polygon": return c;
    case "MultiPolygon": return c.flat();
    default: return [];
  }
}

export function frameOf(geometries) {
  const points = geometries.filter(Boolean).flatMap((g) => rings(g).flat());
  if (!points.length) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const pad = 0.0002;
  return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad];
}

export function geometryPreview(geometry, frame, { width = 120, height = 80 } = {}) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("class", "gp-preview");
  svg.setAttribute("role", "img");
  if (!geometry || !frame) return svg;
  const [w, s, e, n] = frame;
  const scale = Math.min(width / (e - w || 1e-9), height / (n - s || 1e-9));
  const project = ([x, y]) => `${((x - w) * scale).toFixed(1)},${(height - (y - s) * scale).toFixed(1)}`;
  const isPoint = geometry.type.endsWith("Point");
  const isArea = geometry.type.endsWith("Polygon");
  for (const ring of rings(geometry)) {
    if (isPoint) {
      for (const point of ring) {
        const dot = document.createElementNS(SVG, "circle");
        const [cx, cy] = project(point).split(",");
        dot.setAttribute("cx", cx);
        dot.setAttribute("cy", cy);
        dot.setAttribute("r", "4");
        svg.append(dot);
      }
      continue;
    }
    const shape = document.createElementNS(SVG, isArea ? "polygon" : "polyline");
    shape.setAttribute("points", ring.map(project).join(" "));
    if (!isArea) shape.setAttribute("fill", "none");
    svg.append(shape);
  }
  return svg;
}
