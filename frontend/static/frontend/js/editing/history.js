// A feature's history for staff (each version with a small map preview and a restore button),
// and the layer's deleted features with a way back.
import { el } from "../dom.js";
import { call, editUrl } from "./api.js";
import { frameOf, geometryPreview } from "./preview.js";
import { m } from "./messages.js";

function versionLine(v) {
  const action = m("actions")[v.action] || v.action;
  return `${m("version")} ${v.version} · ${action} · ${v.user || "—"} · ${new Date(v.recorded_at).toLocaleString()}`;
}

// Render into `container`; `onRestore(version)` is called when the user restores one.
export async function renderHistory(container, { slug, featureId, onRestore }) {
  const { ok, data } = await call("GET", editUrl(slug, "features", featureId, "history"));
  if (!ok) {
    container.replaceChildren(el("p", { class: "gp-form-error", text: data.error || String(data) }));
    return;
  }
  const frame = frameOf(data.versions.map((v) => v.geometry));
  const latest = data.versions[0]?.version;
  container.replaceChildren(
    el("ol", { class: "gp-history" }, data.versions.map((v) =>
      el("li", { "data-version": v.version }, [
        geometryPreview(v.geometry, frame),
        el("div", {}, [
          el("div", { class: "gp-history-line", text: versionLine(v) }),
          el("div", { class: "gp-history-channel", text: v.channel }),
          v.version === latest || v.deleted
            ? el("span", { class: "gp-history-current", text: v.version === latest ? m("current") : "" })
            : el("button", { type: "button", class: "gp-restore", text: m("restore"), onclick: () => onRestore(v.version) }),
        ]),
      ]),
    )),
  );
}

export async function renderDeleted(container, { slug, onRestored }) {
  const { ok, data } = await call("GET", `${editUrl(slug, "changes")}?deleted=1`);
  if (!ok) return;
  if (!data.changes.length) {
    container.replaceChildren(el("p", { text: m("none") }));
    return;
  }
  container.replaceChildren(
    el("ol", { class: "gp-history" }, data.changes.map((v) =>
      el("li", { "data-feature": v.feature_id }, [
        geometryPreview(v.geometry, frameOf([v.geometry])),
        el("div", {}, [
          el("div", { text: `#${v.feature_id} · ${versionLine(v)}` }),
          el("button", { type: "button", class: "gp-undelete", text: m("restoreFeature"), onclick: async () => {
            const restored = await call("POST", editUrl(slug, "changes", v.feature_id, "restore"));
            if (restored.ok) onRestored(restored.data);
          } }),
        ]),
      ]),
    )),
  );
}
