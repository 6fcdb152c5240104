// The attribute form generated from a layer's schema: one input per field, typed, with
// required marks and zh/en labels; validated here and again on the server, whose messages
// are shown next to the same fields.
import { el } from "../dom.js";
import { pick } from "../i18n.js";
import { m } from "./messages.js";

function choiceValue(choice) {
  return typeof choice === "object" ? String(choice.value) : String(choice);
}

function input(field) {
  const name = field.name;
  const id = `gp-field-${name}`;
  if (field.type === "choice") {
    const options = [el("option", { value: "", text: "—" })].concat(
      (field.choices || []).map((choice) =>
        el("option", {
          value: choiceValue(choice),
          text: typeof choice === "object" ? pick(choice.label_zh, choice.label_en) || choice.value : choice,
        }),
      ),
    );
    return el("select", { id, name }, options);
  }
  if (field.type === "boolean") {
    return el("select", { id, name }, [
      el("option", { value: "", text: "—" }),
      el("option", { value: "true", text: m("yes") }),
      el("option", { value: "false", text: m("no") }),
    ]);
  }
  const type = { integer: "number", decimal: "number", date: "date" }[field.type] || "text";
  const attrs = { id, name, type };
  if (field.type === "integer") attrs.step = "1";
  if (field.type === "decimal") attrs.step = "any";
  return el("input", attrs);
}

// Check one value as the server will; return a message or "".
function check(field, raw) {
  if (raw === "") return field.required ? m("required") : "";
  if (field.type === "integer" && !/^-?\d+$/.test(raw)) return m("wholeNumber");
  if (field.type === "decimal" && !Number.isFinite(Number(raw))) return m("number");
  if (field.type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return m("date");
  if (field.type === "choice" && !(field.choices || []).map(choiceValue).includes(raw)) return m("choose");
  return "";
}

function toValue(field, raw) {
  if (raw === "") return null;
  if (field.type === "integer") return Number.parseInt(raw, 10);
  if (field.type === "decimal") return Number(raw);
  if (field.type === "boolean") return raw === "true";
  return raw;
}

export class AttributeForm {
  constructor(schema) {
    this.schema = schema || [];
    this.inputs = new Map();
    this.errors = new Map();
    this.version = el("input", { type: "hidden", name: "version" });
    this.formError = el("p", { class: "gp-form-error", role: "alert", hidden: "" });
    const rows = this.schema.map((field) => {
      const control = input(field);
      const error = el("span", { class: "gp-field-error", id: `gp-error-${field.name}`, role: "alert" });
      control.setAttribute("aria-describedby", error.id);
      this.inputs.set(field.name, control);
      this.errors.set(field.name, error);
      return el("div", { class: "gp-field", "data-field": field.name }, [
        el("label", { for: control.id }, [
          pick(field.label_zh, field.label_en) || field.name,
          field.required ? el("span", { class: "gp-required", text: " *" }) : null,
        ]),
        control,
        error,
      ]);
    });
    this.element = el("form", { class: "gp-attr-form", novalidate: "" }, [this.version, ...rows, this.formError]);
  }

  fill(properties = {}, version = "") {
    for (const field of this.schema) {
      const value = properties[field.name];
      this.inputs.get(field.name).value = value === null || value === undefined ? "" : String(value);
    }
    this.version.value = version === null || version === undefined ? "" : String(version);
    this.clearErrors();
  }

  raw() {
    return Object.fromEntries(this.schema.map((field) => [field.name, this.inputs.get(field.name).value.trim()]));
  }

  values() {
    const raw = this.raw();
    return Object.fromEntries(this.schema.map((field) => [field.name, toValue(field, raw[field.name])]));
  }

  clearErrors() {
    for (const error of this.errors.values()) error.textContent = "";
    for (const control of this.inputs.values()) control.removeAttribute("aria-invalid");
    this.formError.hidden = true;
    this.formError.textContent = "";
  }

  // Show messages next to their fields (in schema order) and focus the first; true if none.
  showErrors(errors) {
    this.clearErrors();
    let first = null;
    const other = [];
    for (const [name, message] of Object.entries(errors)) {
      if (this.errors.has(name)) {
        this.errors.get(name).textContent = message;
        this.inputs.get(name).setAttribute("aria-invalid", "true");
      } else {
        other.push(message);
      }
    }
    for (const field of this.schema) {
      if (errors[field.name] && !first) first = this.inputs.get(field.name);
    }
    if (other.length) {
      this.formError.textContent = other.join(" ");
      this.formError.hidden = false;
    }
    first?.focus();
    return Object.keys(errors).length === 0;
  }

  validate() {
    const raw = this.raw();
    const errors = {};
    for (const field of this.schema) {
      const message = check(field, raw[field.name]);
      if (message) errors[field.name] = message;
    }
    return this.showErrors(errors);
  }
}
