// Browser editing for staff; a map module (init(app), see main.js). Shown to signed-in users
// who may edit some layer, create layers (managers) or both.
import { el } from "../dom.js";
import { leafletStyle } from "../style.js";
import { call, editUrl } from "./api.js";
import { AsofView } from "./asof.js";
import { openAuditLog } from "./audit.js";
import { EditControl } from "./control.js";
import { modal } from "./dialog.js";
import { renderDeleted } from "./history.js";
import { openLayerAdmin } from "./layeradmin.js";
import { openMembers } from "./members.js";
import { m } from "./messages.js";
import { addPopupHistory } from "./popuphistory.js";
import { PresenceNote } from "./presence.js";
import { EditSession } from "./session.js";
import { isRaster } from "../rasters.js";
import { isTiled } from "../tiles.js";

// Take a layer's display overlay off the map while something else draws it; give it back fresh.
function borrow(layers, slug) {
  const wasOn = layers.isOn(slug);
  layers.setOn(slug, false);
  return () => {
    layers.reload(slug);
    if (wasOn) layers.setOn(slug, true);
  };
}

// A raster layer's new style shows at once: its tiles are fetched again under the layer's new
// updated_at (js/rasters.js puts it in the tile URL), so no cached tile of the old style is drawn.
function restyled(layers, saved) {
  Object.assign(layers.get(saved.slug), saved);
  layers.reload(saved.slug);
}

async function start(app) {
  const { map, config, layers } = app;
  if (!config.user?.authenticated || !window.L?.PM) return null;
  const { ok, data } = await call("GET", "/api/edit/layers/");
  if (!ok || !(data.edit.length || data.can_create)) return null;
  // Only layers the editor makes are touched by Geoman (not the display overlays).
  L.PM.setOptIn(true);
  const editable = data.edit.map((slug) => layers.get(slug)).filter(Boolean);
  const host = document.querySelector(".gp-main");
  const asof = new AsofView(map, layers);
  let session = null;
  let giveBack = null;
  // The live map (js/live): who else edits the layer, and commits made elsewhere while editing.
  const presence = app.live ? new PresenceNote(host, app.live) : null;
  app.live?.addEventListener("change", ({ detail }) => {
    if (!session || detail.layer !== session.layer.slug || !detail.changes) return;
    const current = async (id) => {
      const { ok, data } = await call("GET", editUrl(detail.layer, "features", id));
      return ok ? data : null;
    };
    for (const change of detail.changes) session.remoteChange(change, current);
  });

  const preview = (slug) => (style) => {
    const options = leafletStyle({ ...layers.get(slug), style });
    delete options.pane;
    layers.overlay(slug)?.setStyle(options);
    if (session?.layer.slug === slug) session.group?.setStyle(options);
  };
  const control = new EditControl({
    layers: editable,
    manageable: data.manage,
    canCreate: data.can_create,
    isManager: data.is_manager,
    onStart: async (slug) => {
      asof.clear();
      giveBack = borrow(layers, slug);
      const layer = layers.get(slug);
      session = new EditSession(map, layer, host, { byView: isTiled(layer, config.tiles) });
      presence?.start(slug);
      await session.start();
    },
    onStop: async () => {
      session?.stop();
      session = null;
      presence?.stop();
      giveBack?.();
      giveBack = null;
    },
    onDeleted: (slug) => {
      const box = el("div", { class: "gp-history-box" });
      const dialog = modal(m("deletedFeatures"), box, [
        el("button", { type: "button", text: m("close"), onclick: () => dialog.close() }),
      ], { testid: "deleted" });
      renderDeleted(box, { slug, onRestored: (feature) => { session?.addFeature(feature); dialog.close(); } });
    },
    onManage: (slug) => openLayerAdmin({ layer: layers.get(slug), preview: preview(slug),
      onSaved: (saved) => (isRaster(layers.get(slug)) ? restyled(layers, saved) : location.reload()) }),
    onCreate: () => openLayerAdmin({ layer: null, onSaved: () => location.reload() }),
    onAudit: () => openAuditLog({ layers: data.manage }),
    onMembers: openMembers,
    onAsof: (slug, moment) => (slug ? asof.show(layers.get(slug), moment) : asof.clear()),
  }).addTo(map);
  addPopupHistory({ map, editable: new Set(data.edit), onRestored: (slug) => layers.reload(slug) });
  return { control, session: () => session };
}

export function init(app) {
  app.editing = start(app);
}
