// A Leaflet control that prints the current view: a dialog to choose the paper, orientation,
// format, dpi, title and map review number (审图号), then a print job on the server
// (POST /api/prints/) followed until its file is ready to download.
import { csrfToken } from "../csrf.js";
import { el } from "../dom.js";

const RANK = { raster: 0, polygon: 1, line: 2, point: 3 }; // drawn bottom to top, as the map's panes

export const PrintControl = L.Control.extend({
  options: {
    position: "topleft",
    url: "/api/prints/",
    // () => the layers shown now: [{ slug, kind, geometry_type }], any order.
    getLayers: () => [],
    language: "zh",
    pollMs: 700,
    // (key) => the text in the page's language; keys listed in js/i18n.js ("print…").
    t: (key) => key,
  },

  onAdd(map) {
    const t = this.options.t;
    this._map = map;
    this._button = el("a", {
      class: "gp-print-button", href: "#", role: "button", title: t("print"), "aria-label": t("print"),
      "aria-expanded": "false", "data-testid": "print",
    }, [el("span", { class: "gp-print-icon", "aria-hidden": "true" })]);
    const choice = (name, label, values) => el("label", { class: "gp-print-field" }, [
      el("span", { text: label }),
      el("select", { name }, values.map(([value, text]) => el("option", { value, text }))),
    ]);
    this._form = el("form", { class: "gp-print-form", novalidate: "novalidate" }, [
      choice("paper", t("printPaper"), [["A4", "A4"], ["A3", "A3"]]),
      choice("orientation", t("printOrientation"),
        [["portrait", t("printPortrait")], ["landscape", t("printLandscape")]]),
      choice("format", t("printFormat"), [["pdf", "PDF"], ["png", "PNG"]]),
      choice("dpi", t("printDpi"), [["150", "150 dpi"], ["300", "300 dpi"]]),
      el("label", { class: "gp-print-field gp-print-wide" }, [
        el("span", { text: t("printTitle") }),
        el("input", { name: "title", type: "text", maxlength: "60", placeholder: t("printTitleHint") }),
      ]),
      el("label", { class: "gp-print-field gp-print-wide" }, [
        el("span", { text: t("printReview") }),
        el("input", { name: "review_number", type: "text", maxlength: "40", placeholder: "GS（2024）0000号" }),
      ]),
      el("div", { class: "gp-print-actions" }, [
        el("button", { type: "submit", class: "gp-print-go", text: t("printGo") }),
        el("button", { type: "button", class: "gp-print-close", text: t("close"), onclick: () => this.close() }),
      ]),
    ]);
    this._progress = el("progress", { class: "gp-print-progress", max: "100", value: "0", hidden: "hidden" });
    this._status = el("div", { class: "gp-print-status", role: "status", "aria-live": "polite" });
    this._link = el("a", { class: "gp-print-download", hidden: "hidden", "data-testid": "print-download",
      text: t("printDownload") });
    this._panel = el("div", {
      class: "gp-print-panel", hidden: "hidden", role: "dialog", "aria-label": t("printHeading"),
    }, [el("div", { class: "gp-print-heading", text: t("printHeading") }), this._form, this._progress,
      this._status, this._link]);
    const container = el("div", { class: "leaflet-bar leaflet-control gp-print" }, [this._button, this._panel]);
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
    L.DomEvent.on(this._button, "click", this._toggle, this);
    L.DomEvent.on(this._form, "submit", this._submit, this);
    L.DomEvent.on(container, "keydown", this._onKeydown, this);
    this._container = container;
    return container;
  },

  onRemove() {
    L.DomEvent.off(this._button, "click", this._toggle, this);
    L.DomEvent.off(this._form, "submit", this._submit, this);
    L.DomEvent.off(this._container, "keydown", this._onKeydown, this);
    clearTimeout(this._timer);
  },

  open() {
    this._panel.hidden = false;
    this._button.setAttribute("aria-expanded", "true");
    this._form.elements.paper.focus();
  },

  close() {
    this._panel.hidden = true;
    this._button.setAttribute("aria-expanded", "false");
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

  // The request: the form's choices, the layers shown (bottom first) and the view's bbox.
  _body() {
    const f = this._form.elements;
    const bounds = this._map.getBounds();
    const layers = this.options.getLayers().map((layer, index) => ({ layer, index }));
    const rank = ({ layer }) => RANK[layer.kind === "raster" ? "raster" : String(layer.geometry_type).toLowerCase()
      .replace("multi", "").replace("string", "")] ?? 1;
    layers.sort((a, b) => rank(a) - rank(b) || a.index - b.index);
    const body = {
      paper: f.paper.value, orientation: f.orientation.value, format: f.format.value, dpi: Number(f.dpi.value),
      layers: layers.map(({ layer }) => layer.slug), language: this.options.language,
      bbox: [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => +v.toFixed(6)),
    };
    if (f.title.value.trim()) body.title = f.title.value.trim();
    if (f.review_number.value.trim()) body.review_number = f.review_number.value.trim();
    return body;
  },

  async _submit(event) {
    L.DomEvent.preventDefault(event);
    const t = this.options.t;
    clearTimeout(this._timer);
    this._link.hidden = true;
    this._form.querySelector(".gp-print-go").disabled = true;
    this._show(0, t("printQueued"));
    try {
      const response = await fetch(this.options.url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(this._body()),
      });
      const job = await response.json();
      if (!response.ok) throw new Error(job.error || `${response.status}`);
      this._follow(job);
    } catch (error) {
      this._fail(error.message);
    }
  },

  async _follow(job) {
    const t = this.options.t;
    if (job.state === "succeeded") {
      this._show(100, t("printReady"));
      this._link.href = job.download;
      this._link.hidden = false;
      this._form.querySelector(".gp-print-go").disabled = false;
      return;
    }
    if (job.state === "failed") {
      this._fail(job.error);
      return;
    }
    this._show(job.percent, t(job.state === "queued" ? "printQueued" : "printRunning"));
    this._timer = setTimeout(async () => {
      try {
        const response = await fetch(job.url, { credentials: "same-origin" });
        if (!response.ok) throw new Error(`${response.status}`);
        this._follow(await response.json());
      } catch (error) {
        this._fail(error.message);
      }
    }, this.options.pollMs);
  },

  _show(percent, text) {
    this._progress.hidden = false;
    this._progress.value = percent;
    this._status.classList.remove("gp-print-error");
    this._status.textContent = `${text} ${Math.round(percent)}%`;
  },

  _fail(message) {
    this._progress.hidden = true;
    this._status.classList.add("gp-print-error");
    this._status.textContent = `${this.options.t("printFailed")}${message}`;
    this._form.querySelector(".gp-print-go").disabled = false;
  },
});

// The control for the map page's `app` (js/main.js): the layers switched on and drawn at this zoom.
export function printControl(app) {
  return new PrintControl({
    t: app.i18n.t, language: app.i18n.language(),
    getLayers: () => app.layers.onSlugs().filter((slug) => app.layers.inRange(slug)).map((slug) => app.layers.get(slug)),
  });
}
