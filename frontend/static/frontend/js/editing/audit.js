// The audit log for managers and administrators: layer metadata, schema, style and permission
// changes, filterable by layer, action and person.
import { el } from "../dom.js";
import { call } from "./api.js";
import { modal } from "./dialog.js";
import { m } from "./messages.js";

const ACTIONS = ["", "layer.create", "layer.update", "schema.update", "style.update", "grant.set", "grant.revoke",
  "layer.import"];

function changesText(changes) {
  return Object.entries(changes).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join("; ");
}

export function openAuditLog({ layers }) {
  const layer = el("select", { name: "layer", "aria-label": m("layer") },
    [el("option", { value: "", text: "—" }), ...layers.map((slug) => el("option", { value: slug, text: slug }))]);
  const action = el("select", { name: "action", "aria-label": m("what") },
    ACTIONS.map((a) => el("option", { value: a, text: a || "—" })));
  const actor = el("input", { name: "actor", placeholder: m("who"), size: "10" });
  const body = el("tbody", {});
  const load = async () => {
    const query = new URLSearchParams({ layer: layer.value, action: action.value, actor: actor.value.trim() });
    const { ok, data } = await call("GET", `/api/edit/audit/?${query}`);
    if (!ok) return;
    body.replaceChildren(...data.entries.map((e) => el("tr", { "data-action": e.action }, [
      el("td", { text: new Date(e.recorded_at).toLocaleString() }), el("td", { text: e.actor || "—" }),
      el("td", { text: e.action }), el("td", { text: e.layer }), el("td", { text: changesText(e.changes) }),
    ])));
  };
  const dialog = modal(m("auditLog"), [
    el("div", { class: "gp-buttons" }, [layer, action, actor,
      el("button", { type: "button", "data-action": "filter", text: m("filter"), onclick: load })]),
    el("table", { class: "gp-conflict-table gp-audit" }, [
      el("thead", {}, el("tr", {}, [m("when"), m("who"), m("what"), m("layer"), m("changes")]
        .map((text) => el("th", { text })))),
      body,
    ]),
  ], [el("button", { type: "button", text: m("close"), onclick: () => dialog.close() })], { testid: "audit" });
  load();
  return dialog;
}
