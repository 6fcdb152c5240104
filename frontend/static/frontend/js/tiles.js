// Vector-tile overlays for layers too large to load as one GeoJSON document: Leaflet.VectorGrid
// draws the server's MVT tiles (/tiles/<layer>/{z}/{x}/{y}.mvt) on canvas, and a click opens the
// same popup as GeoJSON overlays, built from the tile's properties (the layer's schema fields).
import { leafletStyle } from "./overlays.js";
import { popupContent } from "./popup.js";

// Leaflet.VectorGrid 1.3 marks handled clicks with L.DomEvent.fakeStop, which Leaflet 1.8 removed;
// without it every click on a tiled feature throws. Leaflet 1.9 reads the same `_stopped` flag.
if (!L.DomEvent.fakeStop) {
  L.DomEvent.fakeStop = (event) => {
    event._stopped = true;
  };
}

// Whether a layer is drawn from tiles: above the configured feature count.
export function isTiled(layer, tilesConfig) {
  return Boolean(tilesConfig) && layer.feature_count > tilesConfig.threshold;
}

export function mvtOverlay(layer, tilesConfig) {
  const style = leafletStyle(layer.style || {});
  const symbol = {
    ...style,
    fill: layer.geometry_type !== "line",
    radius: layer.style?.radius ?? 6,
  };
  const overlay = L.vectorGrid.protobuf(`${tilesConfig.url}${layer.slug}/{z}/{x}/{y}.mvt`, {
    rendererFactory: L.canvas.tile,
    vectorTileLayerStyles: { [layer.slug]: symbol },
    interactive: true,
    getFeatureId: (feature) => feature.id,
    // Below its minimum zoom the layer is hidden; above its maximum the deepest tiles are scaled.
    minZoom: layer.min_zoom,
    maxNativeZoom: Math.min(layer.max_zoom, tilesConfig.max_zoom),
    maxZoom: 22,
    fetchOptions: { credentials: "same-origin" },
  });
  overlay.on("click", (event) => {
    const properties = { ...(event.layer.properties || {}) };
    if (layer.name_field) properties._name = properties[layer.name_field];
    L.popup({ maxWidth: 320 })
      .setLatLng(event.latlng)
      .setContent(popupContent(layer, { properties }))
      .openOn(overlay._map);
  });
  return overlay;
}
