// The editing control: pick one of the layers the user may edit, start and stop editing,
// and reach the layer's deleted features. A raster layer has no features to edit: only its
// management (metadata, style) is offered.
import { el } from "../dom.js";
import { pick } from "../i18n.js";
import { isRaster } from "../rasters.js";
import { m } from "./messages.js";

export const EditControl = L.Control.extend({
  options: { position: "topleft", layers: [], manageable: [], canCreate: false,
    isManager: false, onStart: null, onStop: null, onDeleted: null, onManage: null, onCreate: null, onAsof: null,
    onAudit: null, onMembers: null },

  onAdd() {
    const select = el("select", { id: "gp-edit-layer", "aria-label": m("editLayer") },
      this.options.layers.map((layer) => el("option", { value: layer.slug, text: pick(layer.title_zh, layer.title_en) })));
    this._select = select;
    this._toggle = el("button", { type: "button", id: "gp-edit-toggle", text: m("start"), onclick: () => this._flip() });
    this._deleted = el("button", { type: "button", id: "gp-edit-deleted", hidden: "", text: m("deletedFeatures"),
      onclick: () => this.options.onDeleted(this._slug) });
    this._manage = el("button", { type: "button", id: "gp-layer-manage", text: m("manageLayer"),
      onclick: () => this.options.onManage(this._select.value) });
    const create = this.options.canCreate
      ? el("button", { type: "button", id: "gp-layer-new", text: m("newLayer"), onclick: () => this.options.onCreate() })
      : null;
    const audit = this.options.manageable.length || this.options.canCreate
      ? el("button", { type: "button", id: "gp-audit", text: m("auditLog"), onclick: () => this.options.onAudit() })
      : null;
    const members = this.options.isManager
      ? el("button", { type: "button", id: "gp-members", text: m("members"), onclick: () => this.options.onMembers() })
      : null;
    const asof = el("input", { type: "datetime-local", id: "gp-asof", step: "1", "aria-label": m("asof") });
    const asofBox = this._asofBox = el("div", { class: "gp-asof" }, [
      el("label", { for: asof.id, text: m("asof") }), asof,
      el("button", { type: "button", id: "gp-asof-show", text: m("showAsof"),
        onclick: () => asof.value && this.options.onAsof(this._select.value, asof.value) }),
      el("button", { type: "button", id: "gp-asof-now", text: m("backToNow"), onclick: () => this.options.onAsof(null) }),
    ]);
    select.addEventListener("change", () => this._showManage());
    this._slug = null;
    const container = el("div", { class: "leaflet-bar gp-edit-control" }, [
      el("label", { for: select.id, text: m("editLayer") }), select, this._toggle, this._deleted, this._manage, create, audit, members, asofBox,
    ]);
    this._showManage();
    L.DomEvent.disableClickPropagation(container);
    return container;
  },

  _showManage() {
    this._manage.hidden = !this.options.manageable.includes(this._select.value);
    const raster = isRaster(this.options.layers.find((layer) => layer.slug === this._select.value));
    this._toggle.hidden = raster;
    this._asofBox.hidden = raster;
  },

  onRemove() {
    if (this._slug) this.options.onStop(this._slug);
  },

  async _flip() {
    if (this._slug) {
      const slug = this._slug;
      this._slug = null;
      await this.options.onStop(slug);
    } else {
      this._slug = this._select.value;
      await this.options.onStart(this._slug);
    }
    this._select.disabled = Boolean(this._slug);
    this._deleted.hidden = !this._slug;
    this._toggle.textContent = this._slug ? m("stop") : m("start");
    this._toggle.classList.toggle("active", Boolean(this._slug));
  },
});
