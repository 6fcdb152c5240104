// The conflict dialog: someone saved the feature after it was opened here. Shows their values
// next to ours (and their geometry on the map) and lets the user re-apply theirs or keep ours.
import { el } from "../dom.js";
import { pick } from "../i18n.js";
import { modal } from "./dialog.js";
import { m } from "./messages.js";

function shown(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (field.type === "boolean") return value ? m("yes") : m("no");
  const choice = (field.choices || []).find((c) => typeof c === "object" && String(c.value) === String(value));
  return choice ? pick(choice.label_zh, choice.label_en) || String(value) : String(value);
}

// Resolves "reapply" or "theirs".
export function conflictDialog({ map, schema, current, mine }) {
  return new Promise((resolve) => {
    const theirs = L.geoJSON(current.geometry, {
      style: { color: "#e8590c", weight: 3, dashArray: "6 4", fill: false },
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { color: "#e8590c", dashArray: "4 3", radius: 9 }),
    }).addTo(map);
    const rows = schema.map((field) => {
      const a = shown(field, current.properties?.[field.name]);
      const b = shown(field, mine.properties[field.name]);
      return el("tr", { class: a === b ? "" : "gp-changed", "data-field": field.name }, [
        el("th", { text: pick(field.label_zh, field.label_en) || field.name }),
        el("td", { class: "gp-theirs", text: a }),
        el("td", { class: "gp-yours", text: b }),
      ]);
    });
    const sameGeometry = JSON.stringify(current.geometry) === JSON.stringify(mine.geometry);
    let choice = "theirs";
    const dialog = modal(m("conflictTitle"), [
      el("p", { text: m("conflictText", {
        user: current.updated_by || "?", time: new Date(current.updated_at).toLocaleString(), version: current.version,
      }) }),
      el("table", { class: "gp-conflict-table" }, [
        el("tr", {}, [el("th", { text: m("field") }), el("th", { text: m("theirs") }), el("th", { text: m("yours") })]),
        ...rows,
      ]),
      sameGeometry ? null : el("p", { text: m("geometryChanged") }),
    ], [
      el("button", { type: "button", "data-action": "reapply", text: m("reapply"),
        onclick: () => { choice = "reapply"; dialog.close(); } }),
      el("button", { type: "button", "data-action": "theirs", text: m("takeTheirs"), onclick: () => dialog.close() }),
    ], { testid: "conflict" });
    dialog.addEventListener("close", () => {
      theirs.remove();
      resolve(choice);
    });
  });
}
