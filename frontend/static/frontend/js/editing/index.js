// Browser editing for staff: hooked into the map page by main.js with startEditing().
import { el } from "../dom.js";
import { leafletStyle } from "../overlays.js";
import { call } from "./api.js";
import { EditControl } from "./control.js";
import { modal } from "./dialog.js";
import { renderDeleted } from "./history.js";
import { AsofView } from "./asof.js";
import { openAuditLog } from "./audit.js";
import { openLayerAdmin } from "./layeradmin.js";
import { openMembers } from "./members.js";
import { m } from "./messages.js";
import { addPopupHistory } from "./popuphistory.js";
import { EditSession } from "./session.js";

async function refreshOverlay(overlays, slug) {
  const overlay = overlays.get(slug);
  if (!overlay) return;
  const response = await fetch(`/api/layers/${slug}/features/`, { credentials: "same-origin" });
  overlay.clearLayers();
  overlay.addData(await response.json());
}

export async function startEditing({ map, config, overlays }) {
  if (!config.user?.authenticated || !window.L?.PM) return null;
  const { ok, data } = await call("GET", "/api/edit/layers/");
  if (!ok || !(data.edit.length || data.can_create)) return null;
  // Only layers the editor creates are touched by Geoman (not the display overlays).
  L.PM.setOptIn(true);
  const bySlug = new Map(config.layers.map((layer) => [layer.slug, layer]));
  const editable = data.edit.map((slug) => bySlug.get(slug)).filter(Boolean);
  const host = document.querySelector(".gp-main");
  let session = null;
  const asof = new AsofView(map, overlays);

  const preview = (slug) => (style) => {
    overlays.get(slug)?.setStyle(leafletStyle(style));
    if (session?.layer.slug === slug) session.group?.setStyle(leafletStyle(style));
  };
  const control = new EditControl({
    layers: editable,
    manageable: data.manage,
    canCreate: data.can_create,
    onManage: (slug) => openLayerAdmin({ layer: bySlug.get(slug), preview: preview(slug), onSaved: () => location.reload() }),
    onCreate: () => openLayerAdmin({ layer: null, onSaved: () => location.reload() }),
    onAudit: () => openAuditLog({ layers: data.manage }),
    isManager: data.is_manager,
    onMembers: openMembers,
    onAsof: (slug, moment) => (slug ? asof.show(bySlug.get(slug), moment) : asof.clear()),
    onStart: async (slug) => {
      overlays.get(slug)?.remove();
      session = new EditSession(map, bySlug.get(slug), host);
      await session.start();
    },
    onStop: async (slug) => {
      session?.stop();
      session = null;
      await refreshOverlay(overlays, slug);
      const checkbox = document.getElementById(`gp-layer-${slug}`);
      if (checkbox?.checked) overlays.get(slug)?.addTo(map);
    },
    onDeleted: (slug) => {
      const box = el("div", { class: "gp-history-box" });
      const dialog = modal(m("deletedFeatures"), box, [
        el("button", { type: "button", text: m("close"), onclick: () => dialog.close() }),
      ], { testid: "deleted" });
      renderDeleted(box, { slug, onRestored: (feature) => { session?.addFeature(feature); dialog.close(); } });
    },
  }).addTo(map);
  addPopupHistory({ map, overlays, editable: new Set(data.edit), onRestored: (slug) => refreshOverlay(overlays, slug) });
  return { control, session: () => session };
}
