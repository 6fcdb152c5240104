// The map application: reads the page's config, builds the map, the layer list and overlays.
import { setLanguage, t } from "./i18n.js";
import { renderLayerList } from "./layerlist.js";
import { geojsonOverlay } from "./overlays.js";
import { readHash, writeHash } from "./permalink.js";
import { isTiled, mvtOverlay } from "./tiles.js";

const config = JSON.parse(document.getElementById("gp-config").textContent);
setLanguage(config.language);

const map = L.map("map", { zoomControl: true }).setView(config.center, config.zoom);
L.control.scale({ imperial: false }).addTo(map);
if (config.basemap) {
  L.tileLayer(config.basemap.url, {
    attribution: config.basemap.attribution,
    subdomains: config.basemap.subdomains || "abc",
    maxZoom: 19,
  }).addTo(map);
}

const layersBySlug = new Map(config.layers.map((layer) => [layer.slug, layer]));
const overlays = new Map(); // slug -> Leaflet layer (once loaded)
const on = new Set();

const hash = readHash();
for (const slug of hash.layers || config.layers.filter((l) => l.visibility === "public").map((l) => l.slug)) {
  if (layersBySlug.has(slug)) on.add(slug);
}
if (hash.view) map.setView([hash.view.lat, hash.view.lng], hash.view.zoom);

async function show(layer) {
  if (!overlays.has(layer.slug)) {
    try {
      overlays.set(layer.slug, isTiled(layer, config.tiles)
        ? mvtOverlay(layer, config.tiles)
        : await geojsonOverlay(layer, `${config.urls.layers}${layer.slug}/features/`));
    } catch (error) {
      console.warn(t("loadFailed"), error);
      return;
    }
  }
  if (on.has(layer.slug)) {
    overlays.get(layer.slug).addTo(map);
    // Boundaries stay underneath everything else.
    if (layer.theme === "boundaries") overlays.get(layer.slug).bringToBack();
  }
  if (layer.attribution) map.attributionControl.addAttribution(layer.attribution);
}

function hide(layer) {
  overlays.get(layer.slug)?.remove();
  if (layer.attribution) map.attributionControl.removeAttribution(layer.attribution);
}

function saveView() {
  writeHash(map, [...on]);
}

renderLayerList(document.getElementById("gp-layer-list"), config.layers, {
  isOn: (slug) => on.has(slug),
  onToggle: (layer, checked) => {
    if (checked) {
      on.add(layer.slug);
      show(layer);
    } else {
      on.delete(layer.slug);
      hide(layer);
    }
    saveView();
  },
  onZoom: (layer) => {
    if (layer.extent) map.fitBounds([[layer.extent[1], layer.extent[0]], [layer.extent[3], layer.extent[2]]]);
  },
});

const panel = document.getElementById("gp-panel");
document.getElementById("gp-panel-toggle").addEventListener("click", (event) => {
  const open = panel.classList.toggle("open");
  event.currentTarget.setAttribute("aria-expanded", String(open));
});

map.on("moveend", saveView);
for (const slug of on) show(layersBySlug.get(slug));

// For tests and other modules of the page.
window.geoportal = { map, config, overlays };
