/*
 * The map page's composition root: it reads the page's config, builds the map and the shared
 * `app` object, then starts each feature module. Keep it small; features live in their modules.
 *
 * Hook points for feature modules (search, editing, tiles, annotations, ...):
 *   1. Write the feature as its own module that exports `init(app)` (e.g. js/search.js,
 *      js/editing/index.js). `init` runs once, after the map exists and before the first layers
 *      load; a module that needs the data drawn can `await app.ready`.
 *   2. Import it below and add it to MODULES: one import line and one list entry.
 *   3. Use `app` (also `window.geoportal`, for tests and the console):
 *        app.map       the L.Map; add controls with app.map.addControl(...), one control per file
 *                      under js/controls/ following Leaflet's control contract
 *        app.config    the JSON config rendered by frontend/views.py (layers, user, urls, language)
 *        app.layers    the LayerManager (js/layers.js): get/all/isOn/setOn/setOnly/zoomTo/overlay/reload,
 *                      events "change" | "state" | "range" | "overlay", and `renderers`, where
 *                      a module may put its own overlay factory first (vector tiles)
 *        app.i18n      { t, pick, language, localField }; add the module's strings to js/i18n.js
 *        app.ready     a Promise: resolves when the first layers are drawn; #map then carries
 *                      data-ready="true" (browser tests wait for it)
 *        app.basemap   the base-map switcher (js/basemap.js): current()/set(id); the map fires
 *                      "gp-basemapchange" {id} when it changes
 *        app.initial   what the page's hash asked for (js/permalink.js parseHash)
 *   Other renderers reuse popupContent(layer, feature) (js/popup.js) and leafletStyle/paneFor
 *   (js/style.js), so every layer looks and reads the same however it is drawn. A module's CSS
 *   and non-module scripts go into the `styles` and `scripts` blocks of frontend/map.html.
 */
import * as annotations from "./annotations.js";
import * as basemap from "./basemap.js";
import * as editing from "./editing/index.js";
import { printControl } from "./controls/print.js";
import { ShareControl } from "./controls/share.js";
import * as i18n from "./i18n.js";
import * as keepView from "./keepview.js";
import * as layerList from "./layerlist.js";
import { LayerManager } from "./layers.js";
import * as live from "./live/map.js";
import * as opacity from "./opacity.js";
import { geojsonRenderer } from "./overlays.js";
import * as panel from "./panel.js";
import * as permalink from "./permalink.js";
import * as rasters from "./rasters.js";
import * as search from "./search.js";
import { createPanes } from "./style.js";
import * as tiles from "./tiles.js";

// live before editing: the editor uses its socket (app.live).
const MODULES = [layerList, panel, basemap, permalink, keepView, tiles, rasters, opacity, live, editing, annotations,
  search];

const config = JSON.parse(document.getElementById("gp-config").textContent);
i18n.setLanguage(config.language);
const { t } = i18n;

// A shared link decides the first view and layers; otherwise the settings and public layers do.
const initial = permalink.parseHash();
const map = L.map("map", { minZoom: 3, maxZoom: 18, zoomControl: false });
L.control.zoom({ zoomInTitle: t("zoomIn"), zoomOutTitle: t("zoomOut") }).addTo(map);
// Credit the map library in plain words (Leaflet's default prefix carries a flag icon).
map.attributionControl.setPrefix('<a href="https://leafletjs.com" rel="noopener">Leaflet</a>');
map.setView(initial.view?.center ?? config.center, initial.view?.zoom ?? config.zoom);
createPanes(map);
L.control.scale({ imperial: false, maxWidth: 140 }).addTo(map);

const layers = new LayerManager(map, config.layers, {
  on: initial.layers ?? config.layers.filter((l) => l.visibility === "public").map((l) => l.slug),
  opacity: initial.opacity,
  featuresUrl: (layer) => `${config.urls.layers}${layer.slug}/features/`,
});
layers.renderers.push(geojsonRenderer);

let markReady;
const ready = new Promise((resolve) => {
  markReady = resolve;
});
const app = { map, config, layers, i18n, ready, initial };
window.geoportal = app;

map.addControl(new ShareControl({
  getUrl: () => permalink.permalinkUrl(app),
  title: t("share"), heading: t("shareTitle"), copy: t("copy"), copied: t("copied"),
  copyByHand: t("copyByHand"), close: t("close"),
}));

map.addControl(printControl(app));
for (const module of MODULES) module.init(app);
layers.start().then(() => {
  map.getContainer().dataset.ready = "true";
  markReady();
});
