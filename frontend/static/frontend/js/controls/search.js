// The search box: suggestions as you type (debounced; each new request cancels the last), keyboard
// navigation, results grouped by layer with the layer's symbol; Enter searches, Esc closes.
// Choosing a result zooms to it, highlights it and opens its popup; a typed coordinate goes there.
import { el } from "../dom.js";
import { pick, t } from "../i18n.js";
import { swatch } from "../legend.js";
import { popupContent } from "../popup.js";
import { leafletStyle, pointStyle } from "../style.js";
import { SearchFilters } from "./searchfilters.js";

const HIGHLIGHT = { color: "#e63946", weight: 4, opacity: 1, fillColor: "#e63946", fillOpacity: 0.15,
  className: "gp-search-highlight" };

export const SearchControl = L.Control.extend({
  options: { position: "topright", url: "/api/search", layers: [], debounceMs: 200, suggestLimit: 8, searchLimit: 50 },

  onAdd(map) {
    this._map = map;
    this._layers = new Map(this.options.layers.map((l) => [l.slug, l]));
    this._results = [];
    this._active = -1;
    this._timer = null;
    this._controller = null;
    this._drawn = L.featureGroup().addTo(map);
    this._highlight = L.featureGroup().addTo(map);
    this._input = el("input", {
      type: "search", class: "gp-search-input", placeholder: t("searchPlaceholder"), "aria-label": t("search"),
      role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "gp-search-list",
      autocomplete: "off", enterkeyhint: "search", maxlength: "400", "data-testid": "search-input",
    });
    this._list = el("div", { id: "gp-search-list", class: "gp-search-list", role: "listbox", hidden: "",
      "data-testid": "search-suggestions" });
    this._filters = new SearchFilters(map, {
      layers: this.options.layers, searchUrl: this.options.url, onChange: () => this._onFiltersChanged(),
    });
    const toggle = el("button", { type: "button", class: "gp-search-toggle", title: t("spatialFilters"),
      "aria-label": t("spatialFilters"), "aria-expanded": "false", text: "⚲", "data-testid": "search-filters" });
    toggle.addEventListener("click", () => {
      this._filters.element.hidden = !this._filters.element.hidden;
      toggle.setAttribute("aria-expanded", String(!this._filters.element.hidden));
    });
    this._input.addEventListener("input", () => this._schedule());
    this._input.addEventListener("keydown", (event) => this._onKey(event));
    const container = el("div", { class: "gp-search leaflet-bar" }, [
      el("div", { class: "gp-search-bar" }, [this._input, toggle]), this._filters.element, this._list,
    ]);
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
    return container;
  },

  onRemove() {
    clearTimeout(this._timer);
    this._controller?.abort();
    this._filters.destroy();
    this._drawn.remove();
    this._highlight.remove();
  },

  _schedule() {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._run({ limit: this.options.suggestLimit, draw: false }),
      this.options.debounceMs);
  },

  _onFiltersChanged() {
    if (this._input.value.trim() || this._filters.active()) this._run({ limit: this.options.searchLimit, draw: true });
  },

  _onKey(event) {
    const count = this._results.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      this._setActive((this._active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      this._setActive((this._active - 1 + count) % count);
    } else if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(this._timer);
      if (this._active >= 0 && !this._list.hidden) this._choose(this._results[this._active]);
      else this._run({ limit: this.options.searchLimit, draw: true, chooseSingle: true });
    } else if (event.key === "Escape") {
      if (this._list.hidden) this._input.value = "";
      this._close();
    }
  },

  async _run({ limit, draw, chooseSingle = false }) {
    const q = this._input.value.trim();
    if (!q && !this._filters.active()) {
      this._close();
      return;
    }
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    const b = this._map.getBounds();
    const params = new URLSearchParams({
      q, limit: String(limit), bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","),
      ...this._filters.params(),
    });
    let body;
    try {
      const response = await fetch(`${this.options.url}?${params}`, { signal: controller.signal,
        headers: { Accept: "application/json" } });
      body = await response.json();
      if (!response.ok) {
        this._message(body.error || t("searchFailed"));
        return;
      }
    } catch (error) {
      if (error.name === "AbortError") return; // a newer request replaced this one
      this._message(t("searchFailed"));
      return;
    }
    this._results = body.features;
    this._render(body.notice);
    if (draw) this._drawAll();
    if (chooseSingle && (this._results.length === 1 || this._results[0]?.properties.match === "coordinate")) {
      this._choose(this._results[0]);
    }
  },

  _render(notice) {
    this._list.replaceChildren();
    this._active = -1;
    if (notice) this._list.append(el("div", { class: "gp-search-notice", text: notice }));
    if (!this._results.length) this._list.append(el("div", { class: "gp-search-empty", text: t("noResults") }));
    const groups = new Map();
    this._results.forEach((feature, index) => {
      const key = feature.properties.layer || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push([feature, index]);
    });
    for (const [slug, members] of groups) {
      const layer = this._layers.get(slug);
      const title = slug ? members[0][0].properties.layer_title : t("coordinate");
      const symbol = swatch(layer || { slug: "", geometry_type: "point" });
      this._list.append(el("div", { class: "gp-search-group", role: "presentation" }, [symbol, title]));
      for (const [feature, index] of members) {
        const props = feature.properties;
        const detail = props.matched_field && props.matched_field !== layer?.name_field ? props.matched_field : "";
        const option = el("div", { class: "gp-search-option", role: "option", id: `gp-search-option-${index}`,
          "aria-selected": "false", "data-layer": slug, "data-index": String(index) }, [
          el("span", { class: "gp-search-name", text: props.name || `#${feature.id}` }),
          detail ? el("span", { class: "gp-search-detail", text: this._fieldLabel(layer, detail) }) : null,
        ]);
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep the input focused
        option.addEventListener("click", () => this._choose(feature));
        this._list.append(option);
      }
    }
    this._list.hidden = false;
    this._input.setAttribute("aria-expanded", "true");
  },

  _fieldLabel(layer, name) {
    if (name === "pinyin" || name === "initials") return t(name);
    const field = (layer?.schema || []).find((f) => f.name === name);
    return field ? pick(field.label_zh, field.label_en) || name : name;
  },

  _message(text) {
    this._results = [];
    this._list.replaceChildren(el("div", { class: "gp-search-notice", text }));
    this._list.hidden = false;
  },

  _setActive(index) {
    const options = this._list.querySelectorAll("[role=option]");
    options.forEach((node) => node.setAttribute("aria-selected", String(Number(node.dataset.index) === index)));
    this._active = index;
    const node = this._list.querySelector(`#gp-search-option-${index}`);
    if (node) {
      this._input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    }
  },

  _close() {
    this._list.hidden = true;
    this._active = -1;
    this._input.setAttribute("aria-expanded", "false");
    this._input.removeAttribute("aria-activedescendant");
  },

  _drawAll() {
    this._drawn.clearLayers();
    for (const feature of this._results) {
      if (!feature.properties.layer) continue;
      const layer = this._layers.get(feature.properties.layer) || { slug: "", geometry_type: "point" };
      const style = { ...leafletStyle(layer), className: "gp-search-result" };
      L.geoJSON(feature.geometry, {
        style: () => style,
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...pointStyle(layer), className: "gp-search-result" }),
      }).on("click", () => this._choose(feature)).addTo(this._drawn);
    }
    // Move the map only when some result lies outside the view.
    const bounds = this._drawn.getLayers().length ? this._drawn.getBounds() : null;
    if (this._results.length > 1 && bounds && !this._map.getBounds().contains(bounds)) {
      this._map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    }
  },

  _choose(feature) {
    this._close();
    this._highlight.clearLayers();
    const props = feature.properties;
    if (props.match === "coordinate") {
      const [lng, lat] = feature.geometry.coordinates;
      this._map.setView([lat, lng], Math.max(this._map.getZoom(), 16));
      L.marker([lat, lng], { keyboard: false }).addTo(this._highlight)
        .bindPopup(el("div", { class: "gp-popup", text: `${t("coordinate")}: ${props.name}` })).openPopup();
      return;
    }
    const layer = this._layers.get(props.layer) || { slug: props.layer, title_zh: props.layer_title, schema: [] };
    const shape = L.geoJSON(feature.geometry, {
      style: () => HIGHLIGHT,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...HIGHLIGHT, radius: 9 }),
    }).addTo(this._highlight);
    const popupFeature = { id: feature.id, properties: { ...props.attributes, _name: props.name } };
    shape.bindPopup(() => popupContent(layer, popupFeature), { maxWidth: 320 });
    const [west, south, east, north] = feature.bbox;
    if (west === east && south === north) this._map.setView([south, west], Math.max(this._map.getZoom(), 16));
    else this._map.fitBounds([[south, west], [north, east]], { padding: [20, 20] });
    const [anchor] = shape.getLayers();
    const at = west === east && south === north ? [south, west] : this._labelPoint(anchor);
    shape.openPopup(at);
  },

  _labelPoint(anchor) {
    return anchor.getCenter ? anchor.getCenter() : anchor.getLatLng();
  },
});
