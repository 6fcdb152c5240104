// A Leaflet control that shows a link to the current view (the permalink) and copies it.
import { copyText } from "../clipboard.js";
import { el } from "../dom.js";

export const ShareControl = L.Control.extend({
  options: {
    position: "topleft",
    // () => the URL to share; the current page URL by default.
    getUrl: () => window.location.href,
    // Texts, given in the page's language.
    title: "Share this view",
    heading: "Link to this view",
    copy: "Copy link",
    copied: "Copied",
    copyByHand: "Press Ctrl+C to copy",
    close: "Close",
  },

  onAdd(map) {
    const o = this.options;
    this._button = el("a", {
      class: "gp-share-button", href: "#", role: "button", title: o.title, "aria-label": o.title,
      "aria-expanded": "false", "data-testid": "share",
    }, [el("span", { class: "gp-share-icon", "aria-hidden": "true" })]);
    this._input = el("input", { type: "text", readonly: "readonly", class: "gp-share-url", "aria-label": o.heading });
    this._status = el("span", { class: "gp-share-status", role: "status" });
    this._panel = el("div", { class: "gp-share-panel", hidden: "hidden" }, [
      el("div", { class: "gp-share-heading", text: o.heading }),
      this._input,
      el("div", { class: "gp-share-actions" }, [
        el("button", { type: "button", class: "gp-share-copy", text: o.copy, onclick: () => this._copy() }),
        el("button", { type: "button", class: "gp-share-close", text: o.close, onclick: () => this.close() }),
        this._status,
      ]),
    ]);
    const container = el("div", { class: "leaflet-bar leaflet-control gp-share" }, [this._button, this._panel]);
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
    L.DomEvent.on(this._button, "click", this._toggle, this);
    L.DomEvent.on(container, "keydown", this._onKeydown, this);
    map.on("moveend", this._refresh, this);
    this._container = container;
    return container;
  },

  onRemove(map) {
    map.off("moveend", this._refresh, this);
    L.DomEvent.off(this._button, "click", this._toggle, this);
    L.DomEvent.off(this._container, "keydown", this._onKeydown, this);
  },

  open() {
    this._panel.hidden = false;
    this._button.setAttribute("aria-expanded", "true");
    this._refresh();
    this._input.focus();
    this._input.select();
  },

  close() {
    this._panel.hidden = true;
    this._button.setAttribute("aria-expanded", "false");
    this._status.textContent = "";
  },

  _toggle(event) {
    L.DomEvent.preventDefault(event);
    if (this._panel.hidden) this.open();
    else this.close();
  },

  _onKeydown(event) {
    if (event.key !== "Escape" || this._panel.hidden) return;
    this.close();
    this._button.focus();
  },

  _refresh() {
    if (!this._panel.hidden) this._input.value = this.options.getUrl();
  },

  async _copy() {
    this._refresh();
    const outcome = await copyText(this._input.value, this._input);
    this._status.textContent = outcome === "copied" ? this.options.copied : this.options.copyByHand;
  },
});
