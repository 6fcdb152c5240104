// The side panel in which one feature is edited: the attribute form, geometry messages with
// the repair preview, Save / Delete / History, and the history list.
import { el } from "../dom.js";
import { pick } from "../i18n.js";
import { AttributeForm } from "./form.js";
import { m } from "./messages.js";

export class FeaturePanel {
  constructor(host, layer, handlers) {
    this.handlers = handlers;
    this.form = new AttributeForm(layer.schema);
    this.title = el("h2", {});
    this.geometryError = el("p", { class: "gp-form-error", id: "gp-geometry-error", role: "alert", hidden: "" });
    this.repairButton = el("button", { type: "button", class: "gp-repair", hidden: "", text: m("repair"),
      onclick: () => handlers.onRepair() });
    this.useRepairedButton = el("button", { type: "button", class: "gp-use-repaired", hidden: "",
      text: m("useRepaired"), onclick: () => handlers.onUseRepaired() });
    this.deleteButton = el("button", { type: "button", class: "gp-danger", "data-action": "delete",
      text: m("delete"), onclick: () => handlers.onDelete() });
    this.splitButton = el("button", { type: "button", "data-action": "split", text: m("split"),
      onclick: () => handlers.onSplit() });
    this.canSplit = ["line", "polygon"].includes(layer.geometry_type);
    this.historyButton = el("button", { type: "button", "data-action": "history", text: m("history"),
      onclick: () => handlers.onHistory(this.history) });
    this.history = el("div", { class: "gp-history-box" });
    this.status = el("p", { class: "gp-status", role: "status" });
    this.noticeBox = el("p", { class: "gp-edit-notice", role: "status", "data-testid": "edit-notice" });
    this.element = el("aside", { class: "gp-edit-panel", id: "gp-edit-panel", hidden: "",
      "aria-label": pick(layer.title_zh, layer.title_en) }, [
      this.title,
      this.form.element,
      this.geometryError,
      el("div", { class: "gp-buttons" }, [this.repairButton, this.useRepairedButton]),
      el("div", { class: "gp-buttons" }, [
        el("button", { type: "button", class: "gp-primary", "data-action": "save", text: m("save"),
          onclick: () => handlers.onSave() }),
        this.deleteButton,
        this.splitButton,
        this.historyButton,
        el("button", { type: "button", "data-action": "cancel", text: m("cancel"), onclick: () => handlers.onCancel() }),
      ]),
      this.history,
    ]);
    this.form.element.addEventListener("submit", (event) => {
      event.preventDefault();
      handlers.onSave();
    });
    host.append(this.element, this.status, this.noticeBox);
  }

  open(meta) {
    this.title.textContent = meta.id ? `${m("feature")} #${meta.id}` : m("newFeature");
    this.form.fill(meta.properties, meta.version);
    this.deleteButton.hidden = !meta.id;
    this.historyButton.hidden = !meta.id;
    this.splitButton.hidden = !meta.id || !this.canSplit;
    this.history.replaceChildren();
    this.showGeometryError("");
    this.element.hidden = false;
  }

  close() {
    this.element.hidden = true;
    this.history.replaceChildren();
  }

  showGeometryError(message, { repairable = false } = {}) {
    this.geometryError.textContent = message;
    this.geometryError.hidden = !message;
    this.repairButton.hidden = !repairable;
    this.useRepairedButton.hidden = true;
  }

  flash(text) {
    this.status.textContent = text;
    clearTimeout(this._flashTimer);
    this._flashTimer = setTimeout(() => { this.status.textContent = ""; }, 4000);
  }

  // A lasting note about the session (e.g. "zoom in to edit"); "" takes it away.
  notice(text) {
    this.noticeBox.textContent = text;
  }

  remove() {
    this.element.remove();
    this.status.remove();
    this.noticeBox.remove();
  }
}
