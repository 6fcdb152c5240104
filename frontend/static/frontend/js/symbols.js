// Point symbols (a layer's style.symbol): circle, square, diamond, triangle, star and cross.
// Drawn as SVG paths by a CircleMarker, so they keep its radius, style, panes and events; the
// legend draws the same path.
const SHAPES = {
  square: (r) => [[-r, -r], [r, -r], [r, r], [-r, r]],
  diamond: (r) => [[0, -1.3 * r], [1.3 * r, 0], [0, 1.3 * r], [-1.3 * r, 0]],
  triangle: (r) => [[0, -1.25 * r], [1.15 * r, 0.85 * r], [-1.15 * r, 0.85 * r]],
  star: (r) => Array.from({ length: 10 }, (_, i) => {
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    const radius = i % 2 ? 0.55 * r : 1.3 * r;
    return [Math.cos(angle) * radius, Math.sin(angle) * radius];
  }),
  cross: (r) => {
    const a = 0.38 * r;
    const b = 1.15 * r;
    return [[-a, -b], [a, -b], [a, -a], [b, -a], [b, a], [a, a], [a, b], [-a, b], [-a, a], [-b, a], [-b, -a], [-a, -a]];
  },
};

export function hasShape(symbol) {
  return Object.hasOwn(SHAPES, symbol);
}

// The SVG path of `symbol` with radius r centred on (cx, cy); null for a circle or unknown symbol.
export function symbolPath(symbol, r, cx, cy) {
  if (!hasShape(symbol)) return null;
  const points = SHAPES[symbol](r).map(([x, y]) => `${(cx + x).toFixed(2)} ${(cy + y).toFixed(2)}`);
  return `M${points.join(" L")} Z`;
}

// A CircleMarker that draws its symbol's path instead of a circle where the renderer is SVG.
const SymbolMarker = L.CircleMarker.extend({
  _updatePath() {
    const renderer = this._renderer;
    if (!hasShape(this.options.symbol) || typeof renderer._setPath !== "function") {
      L.CircleMarker.prototype._updatePath.call(this);
      return;
    }
    const path = this._empty() ? "M0 0" : symbolPath(this.options.symbol, this._radius, this._point.x, this._point.y);
    renderer._setPath(this, path);
  },
});

export function symbolMarker(latlng, options) {
  return new SymbolMarker(latlng, options);
}
