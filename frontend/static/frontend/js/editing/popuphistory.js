// History in the feature popups of the map for staff who may edit the layer: the versions with
// their previews, and restore (the layer is then drawn afresh).
import { el } from "../dom.js";
import { call, editUrl } from "./api.js";
import { renderHistory } from "./history.js";
import { m } from "./messages.js";

export function addPopupHistory({ map, editable, onRestored }) {
  map.on("popupopen", (event) => {
    const content = event.popup.getElement()?.querySelector(".gp-popup[data-layer][data-feature-id]");
    const slug = content?.dataset.layer;
    if (!slug || !editable.has(slug)) return;
    const featureId = content.dataset.featureId;
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
