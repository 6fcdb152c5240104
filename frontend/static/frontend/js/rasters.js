// Raster layers (imagery, elevation, scanned maps) are drawn from the server's image tiles
// (/tiles/<layer>/{z}/{x}/{y}.png), rendered from the layer's Cloud-Optimized GeoTIFF with the
// layer's style. The layer's last change is in the URL, so a restyled layer is fetched afresh.
import { escapeHtml } from "./dom.js";

export function isRaster(layer) {
  return layer?.kind === "raster";
}

export function rasterTileUrl(tilesUrl, layer) {
  const version = layer.updated_at ? `?v=${encodeURIComponent(layer.updated_at)}` : "";
  return `${tilesUrl}${encodeURIComponent(layer.slug)}/{z}/{x}/{y}.png${version}`;
}

// [west, south, east, north] in degrees as Leaflet bounds: no tile is asked outside them.
function layerBounds(layer) {
  const extent = layer.raster?.bounds || layer.extent;
  if (!extent) return undefined;
  const [west, south, east, north] = extent;
  return L.latLngBounds([south, west], [north, east]);
}

export function rasterTileLayer(layer, tilesUrl, options = {}) {
  return L.tileLayer(rasterTileUrl(tilesUrl, layer), {
    attribution: layer.attribution ? escapeHtml(layer.attribution) : undefined,
    bounds: layerBounds(layer),
    minZoom: layer.min_zoom,
    maxZoom: 18,
    maxNativeZoom: Math.min(layer.max_zoom ?? 18, 18),
    className: `gp-raster gp-raster-${layer.slug}`,
    ...options,
  });
}

export function init(app) {
  const tilesUrl = app.config.tiles?.url || "/tiles/";
  // Raster tiles sit in the overlay pane, under the vector layers' panes.
  app.layers.renderers.unshift((layer) => (isRaster(layer) ? rasterTileLayer(layer, tilesUrl, { pane: "gp-raster" }) : null));
}
