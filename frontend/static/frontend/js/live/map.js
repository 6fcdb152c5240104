// The live map (a map module, see main.js): other people's edits show without reloading.
// On a commit to a layer this page draws, only what changed is fetched again: each overlay knows
// how (`overlay.refreshChanged(changes, fetchFeature)`): vector tiles refetch the tiles the
// change's box touches (js/tiles.js), GeoJSON overlays the changed features (js/overlays.js).
// An open popup of a changed feature is refilled; a change without features (an import) redraws
// the layer. The map fires "gp-liverepaint" {slug, count} once the change is drawn.
import { popupContent } from "../popup.js";
import { LiveSocket, liveUrl } from "./socket.js";

async function fetchFeature(app, slug, id) {
  const response = await fetch(`${app.config.urls.layers}${slug}/features/${id}/`, {
    headers: { Accept: "application/geo+json" }, credentials: "same-origin",
  });
  if (response.status === 404) return null; // deleted meanwhile
  if (!response.ok) throw new Error(`${slug}/${id}: HTTP ${response.status}`);
  return response.json();
}

// The feature id an open popup shows, if it belongs to this layer; else null.
function popupFeature(popup, slug) {
  const node = popup?.isOpen() ? popup.getElement()?.querySelector(".gp-popup") : null;
  return node && node.dataset.layer === slug && node.dataset.featureId ? Number(node.dataset.featureId) : null;
}

async function applyChange(app, popup, { layer: slug, changes, stamp }) {
  const { map, layers } = app;
  const layer = layers.get(slug);
  if (!layer) return;
  // A replaced raster: its tiles' URLs carry the layer's new stamp (js/rasters.js).
  if (stamp) layer.updated_at = stamp;
  const overlay = layers.overlay(slug);
  // An overlay off the map now (switched off, out of its zoom range) is dropped, and drawn
  // afresh when it shows again.
  if (changes === null || (overlay && (!overlay.refreshChanged || !map.hasLayer(overlay)))) {
    layers.reload(slug);
    return;
  }
  if (overlay) {
    const count = await overlay.refreshChanged(changes, (id) => fetchFeature(app, slug, id));
    map.fire("gp-liverepaint", { slug, count });
  }
  const shown = popupFeature(popup(), slug);
  const change = shown === null ? null : changes.findLast((c) => c.feature === shown);
  if (change) {
    const feature = change.action === "delete" ? null : await fetchFeature(app, slug, shown);
    if (feature) popup().setContent(popupContent(layer, feature));
    else popup().close();
  }
}

export function init(app) {
  const setting = app.config.live?.url;
  if (!setting) return;
  const socket = new LiveSocket(liveUrl(setting));
  socket.follow(app.config.layers.map((layer) => layer.slug));
  app.live = socket;
  let open = null;
  app.map.on("popupopen", (event) => { open = event.popup; });
  app.map.on("popupclose", (event) => { if (open === event.popup) open = null; });
  // One change at a time, in commit order, so that an older state never overwrites a newer one.
  let queue = Promise.resolve();
  socket.addEventListener("change", ({ detail }) => {
    queue = queue.then(() => applyChange(app, () => open, detail)).catch((error) => console.warn(error));
  });
}
