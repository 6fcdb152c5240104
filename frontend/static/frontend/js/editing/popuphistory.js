// History in the feature popups of the map for staff who may edit the layer: the versions with
// their previews, and restore (the popup's layer is reloaded afterwards).
import { el } from "../dom.js";
import { call, editUrl } from "./api.js";
import { renderHistory } from "./history.js";
import { m } from "./messages.js";

function slugOf(overlays, source) {
  for (const [slug, overlay] of overlays) if (overlay.hasLayer?.(source)) return slug;
  return null;
}

export function addPopupHistory({ map, overlays, editable, onRestored }) {
  map.on("popupopen", (event) => {
    const source = event.popup._source;
    const slug = source && slugOf(overlays, source);
    const featureId = source?.feature?.id;
    const content = event.popup.getElement()?.querySelector(".gp-popup");
    if (!slug || !editable.has(slug) || featureId === undefined || !content) return;
    const box = el("div", { class: "gp-history-box" });
    const show = () => renderHistory(box, {
      slug,
      featureId,
      onRestore: async (version) => {
        const current = await call("GET", editUrl(slug, "features", featureId));
        const restored = await call("POST", editUrl(slug, "features", featureId, "restore"),
          { restore: version, version: current.data.version });
        if (restored.ok) {
          map.closePopup();
          await onRestored(slug);
        }
      },
    });
    content.append(el("div", { class: "gp-popup-history" }, [
      el("button", { type: "button", "data-action": "popup-history", text: m("history"), onclick: show }),
      box,
    ]));
  });
}
