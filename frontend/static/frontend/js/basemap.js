// The optional XYZ base map (settings BASEMAP_URL or TIANDITU_KEY). Without one the district
// boundaries are the backdrop and the page requests nothing outside the server.
import { escapeHtml } from "./dom.js";

export function basemapLayer(basemap) {
  if (!basemap) return null;
  return L.tileLayer(basemap.url, {
    attribution: basemap.attribution ? escapeHtml(basemap.attribution) : undefined,
    subdomains: basemap.subdomains || "abc",
    maxZoom: 18,
    className: "gp-basemap",
  });
}
