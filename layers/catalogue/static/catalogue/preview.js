// The record page's preview: the layer's own image tiles (/tiles/<layer>/{z}/{x}/{y}.png, drawn by
// the map renderer for vector and raster layers alike) fitted to its extent, with its outline.
// The tile layer is the map page's (rasters.js), so the preview looks as the map does.
import { rasterTileLayer } from "../frontend/js/rasters.js";

const config = JSON.parse(document.getElementById("gp-preview-config").textContent);
const [west, south, east, north] = config.bbox;
const bounds = L.latLngBounds([south, west], [north, east]);
const map = L.map("gp-preview-map", { attributionControl: false, scrollWheelZoom: false });
rasterTileLayer(config, config.tiles, { minZoom: 0, className: "gp-preview-tiles" }).addTo(map);
L.rectangle(bounds, { color: "#3367d6", weight: 1, fill: false, interactive: false }).addTo(map);
map.fitBounds(bounds, { padding: [8, 8], maxZoom: 16 });
