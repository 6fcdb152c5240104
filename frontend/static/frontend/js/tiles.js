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
  const overlay = L.vectorGrid.protobuf(`${tilesConfig.url}${layer.slug}/{z}/{x}/{y}.mvt`, {
    pane: symbol.pane,
    rendererFactory: L.canvas.tile,
    vectorTileLayerStyles: { [layer.slug]: { ...symbol, fill: layer.geometry_type !== "line" } },
    interactive: true,
    getFeatureId: (feature) => feature.id,
    attribution: layer.attribution ? escapeHtml(layer.attribution) : undefined,
    // Below its minimum zoom the layer is hidden; above its maximum the deepest tiles are scaled.
    minZoom: layer.min_zoom,
    maxNativeZoom: Math.min(layer.max_zoom, tilesConfig.max_zoom),
    // Revalidate (If-None-Match, usually a 304) so that an edit shows on the next draw, not after max-age.
    fetchOptions: { credentials: "same-origin", cache: "no-cache" },
  });
  overlay.on("click", (event) => {
    const feature = { properties: event.layer.properties || {} };
    L.popup(popupOptions()).setLatLng(event.latlng).setContent(popupContent(layer, feature)).openOn(overlay._map);
  });
  return overlay;
}

export function init(app) {
  const tilesConfig = app.config.tiles;
  // Pages without a large layer keep the GeoJSON renderer alone.
  if (!app.config.layers.some((layer) => isTiled(layer, tilesConfig))) return;
  app.layers.renderers.unshift((layer) => (isTiled(layer, tilesConfig) ? mvtOverlay(layer, tilesConfig) : null));
}
