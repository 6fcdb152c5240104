// Vector tiles for large layers: a layer with more features than config.tiles.threshold is drawn
// by Leaflet.VectorGrid from the server's MVT tiles (/tiles/<layer>/{z}/{x}/{y}.mvt) on canvas,
// instead of being fetched whole as GeoJSON. A click opens the same popup as GeoJSON overlays,
// built from the tile's properties (the layer's schema fields).
import { escapeHtml } from "./dom.js";
import { popupOptions } from "./overlays.js";
import { popupContent } from "./popup.js";
import { leafletStyle, pointStyle } from "./style.js";

// Leaflet.VectorGrid 1.3 marks handled clicks with L.DomEvent.fakeStop, which Leaflet 1.8 removed;
// without it every click on a tiled feature throws. Leaflet 1.9 reads the same `_stopped` flag.
if (!L.DomEvent.fakeStop) {
  L.DomEvent.fakeStop = (event) => {
    event._stopped = true;
  };
}

export function isTiled(layer, tilesConfig) {
  return Boolean(tilesConfig) && layer.feature_count > tilesConfig.threshold;
}

export function mvtOverlay(layer, tilesConfig) {
  const symbol = layer.geometry_type === "point" ? pointStyle(layer) : leafletStyle(layer);
  // {fresh} is "" until the live map refetches a tile after an edit: then "?v=N", a new URL.
  const fresh = new Map();
  const overlay = L.vectorGrid.protobuf(`${tilesConfig.url}${layer.slug}/{z}/{x}/{y}.mvt{fresh}`, {
    fresh: ({ x, y, z }) => (fresh.has(`${x}:${y}:${z}`) ? `?v=${fresh.get(`${x}:${y}:${z}`)}` : ""),
    pane: symbol.pane,
    rendererFactory: L.canvas.tile,
    vectorTileLayerStyles: { [layer.slug]: { ...symbol, fill: layer.geometry_type !== "line" } },
    interactive: true,
    // The feature's id also goes with its properties, so that a popup knows which feature it shows.
    getFeatureId: (feature) => {
      feature.properties._id = feature.id;
      return feature.id;
    },
    attribution: layer.attribution ? escapeHtml(layer.attribution) : undefined,
    // Below its minimum zoom the layer is hidden; above its maximum the deepest tiles are scaled.
    minZoom: layer.min_zoom,
    maxNativeZoom: Math.min(layer.max_zoom, tilesConfig.max_zoom),
    // Revalidate (If-None-Match, usually a 304) so that an edit shows on the next draw, not after max-age.
    fetchOptions: { credentials: "same-origin", cache: "no-cache" },
  });
  overlay.on("click", (event) => {
    const properties = event.layer.properties || {};
    const feature = { id: properties._id, properties };
    L.popup(popupOptions()).setLatLng(event.latlng).setContent(popupContent(layer, feature)).openOn(overlay._map);
  });
  overlay.refreshChanged = (changes) => refreshTiles(overlay, fresh, changes.map((c) => c.bbox).filter(Boolean));
  return overlay;
}

// Fetch again, under a new URL, the loaded tiles that a change's box ([w, s, e, n]) touches (with
// a margin for point symbols and line widths drawn across tile edges); the others stay. Resolves
// with how many were refetched once they are drawn. GridLayer keeps no public handle on single
// tiles, so this reaches into its tile index (Leaflet 1.9).
export function refreshTiles(overlay, fresh, boxes) {
  if (!overlay._map) return Promise.resolve(0);
  const changed = boxes.map(([west, south, east, north]) => L.latLngBounds([south, west], [north, east]));
  const keys = Object.values(overlay._tiles)
    .filter((tile) => tile.current && changed.some((box) => overlay._tileCoordsToBounds(tile.coords).pad(0.1).intersects(box)))
    .map((tile) => overlay._tileCoordsToKey(tile.coords));
  if (!keys.length) return Promise.resolve(0);
  const waiting = new Set(keys);
  const drawn = new Promise((resolve) => {
    const loaded = (event) => {
      waiting.delete(overlay._tileCoordsToKey(event.coords));
      if (waiting.size) return;
      overlay.off("tileload tileerror", loaded);
      resolve(keys.length);
    };
    overlay.on("tileload tileerror", loaded);
  });
  for (const key of keys) {
    const [x, y, z] = key.split(":");
    fresh.set(`${x}:${y}:${z}`, (fresh.get(`${x}:${y}:${z}`) || 0) + 1);
    overlay._removeTile(key);
  }
  overlay._update();
  return drawn;
}

export function init(app) {
  const tilesConfig = app.config.tiles;
  // Pages without a large layer keep the GeoJSON renderer alone.
  if (!app.config.layers.some((layer) => isTiled(layer, tilesConfig))) return;
  app.layers.renderers.unshift((layer) => (isTiled(layer, tilesConfig) ? mvtOverlay(layer, tilesConfig) : null));
}
