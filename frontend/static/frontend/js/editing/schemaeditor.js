// The schema editor: one row per attribute field (name, type, required, zh/en labels, choices);
// fields can be added, renamed, retyped and removed. Renames are tracked by each row's original name.
import { el } from "../dom.js";
import { m } from "./messages.js";

const TYPES = ["string", "integer", "decimal", "boolean", "date", "choice"];

function choicesText(field) {
  return (field.choices || []).map((c) => (typeof c === "object" ? c.value : c)).join(", ");
}

export class SchemaEditor {
  constructor(schema) {
    this.body = el("tbody", {});
    this.element = el("fieldset", { class: "gp-schema-editor" }, [
      el("legend", { text: m("schema") }),
      el("table", {}, [
        el("thead", {}, el("tr", {}, [m("fieldName"), m("fieldType"), "*", m("labelZh"), m("labelEn"), m("choices"), ""]
          .map((text) => el("th", { text })))),
        this.body,
      ]),
      el("button", { type: "button", class: "gp-add-field", text: m("addField"), onclick: () => this.addRow({}) }),
    ]);
    for (const field of schema || []) this.addRow(field);
  }

  addRow(field) {
    const row = el("tr", { "data-original": field.name || "" });
    const type = el("select", { name: "type" }, TYPES.map((t) => el("option", { value: t, text: t })));
    type.value = field.type || "string";
    const required = el("input", { type: "checkbox", name: "required" });
    required.checked = Boolean(field.required);
    row.original = field;
    row.append(
      el("td", {}, el("input", { name: "name", value: field.name || "", size: "10" })),
      el("td", {}, type),
      el("td", {}, required),
      el("td", {}, el("input", { name: "label_zh", value: field.label_zh || "", size: "8" })),
      el("td", {}, el("input", { name: "label_en", value: field.label_en || "", size: "8" })),
      el("td", {}, el("input", { name: "choices", value: choicesText(field), size: "10" })),
      el("td", {}, el("button", { type: "button", text: m("removeField"), onclick: () => row.remove() })),
    );
    this.body.append(row);
  }

  // The schema as the server stores it; choice labels of unchanged values are kept.
  schema() {
    return [...this.body.rows].map((row) => {
      const value = (name) => row.querySelector(`[name=${name}]`);
      const field = { ...row.original, name: value("name").value.trim(), type: value("type").value,
        required: value("required").checked, label_zh: value("label_zh").value.trim(),
        label_en: value("label_en").value.trim() };
      if (field.type === "choice") {
        const old = new Map((row.original.choices || []).map((c) => [typeof c === "object" ? c.value : c, c]));
        field.choices = value("choices").value.split(/[,，]/).map((v) => v.trim()).filter(Boolean)
          .map((v) => old.get(v) || v);
      } else {
        delete field.choices;
      }
      return field;
    });
  }

  renames() {
    const renames = {};
    for (const row of this.body.rows) {
      const original = row.dataset.original;
      const now = row.querySelector("[name=name]").value.trim();
      if (original && now && original !== now) renames[original] = now;
    }
    return renames;
  }
}
