// Spatial filters of the search box: a district, a radius around a clicked point or the browser's
// location, a rectangle (two clicks) or an area (clicks, then "finish"); plus a layer and the
// GCJ-02 toggle. Touch and mouse alike: everything is clicks, no drag gestures.
import { el } from "../dom.js";
import { pick, t } from "../i18n.js";

const SHAPE_STYLE = { color: "#d35400", weight: 2, dashArray: "6 4", fillOpacity: 0.06, interactive: false,
  className: "gp-search-shape" };

export class SearchFilters {
  constructor(map, { layers, searchUrl, onChange }) {
    this._map = map;
    this._layers = layers;
    this._searchUrl = searchUrl;
    this._onChange = onChange;
    this._shape = L.layerGroup().addTo(map);
    this._state = {};
    this._mode = null;
    this._vertices = [];
    this._onMapClick = this._onMapClick.bind(this);
    this.element = this._build();
  }

  // Query parameters for /api/search.
  params() {
    const p = {};
    const s = this._state;
    if (s.layer) p.layers = s.layer;
    if (s.within) p.within = s.within;
    if (s.near) {
      p.near = `${s.near.lng.toFixed(6)},${s.near.lat.toFixed(6)}`;
      p.radius = String(this._radius.value || 1000);
    }
    if (s.area) p.area = s.area.map((ll) => `${ll.lng.toFixed(6)},${ll.lat.toFixed(6)}`).join(",");
    if (this._gcj.checked) p.crs = "gcj02";
    return p;
  }

  active() {
    const s = this._state;
    return Boolean(s.layer || s.within || s.near || s.area);
  }

  destroy() {
    this._stopDrawing();
    this._shape.remove();
  }

  _build() {
    this._layerSelect = el("select", { "data-testid": "search-layer", "aria-label": t("searchLayer") }, [
      el("option", { value: "", text: t("allLayers") }),
      ...this._layers.map((l) => el("option", { value: l.slug, text: pick(l.title_zh, l.title_en) })),
    ]);
    this._layerSelect.addEventListener("change", () => this._set({ layer: this._layerSelect.value || null }));
    this._district = el("select", { "data-testid": "search-district", "aria-label": t("withinDistrict") }, [
      el("option", { value: "", text: t("anyDistrict") }),
    ]);
    this._district.addEventListener("focus", () => this._loadDistricts(), { once: true });
    this._district.addEventListener("change", () => this._set({ within: this._district.value || null }));
    this._radius = el("input", { type: "number", min: "10", max: "50000", step: "10", value: "1000",
      "aria-label": t("radiusMetres"), class: "gp-search-radius" });
    this._radius.addEventListener("change", () => { if (this._state.near) this._set({ near: this._state.near }); });
    this._gcj = el("input", { type: "checkbox", id: "gp-search-gcj", "data-testid": "search-gcj" });
    this._gcj.addEventListener("change", () => this._onChange());
    this._finish = el("button", { type: "button", class: "gp-search-finish", text: t("finishArea"), hidden: "" });
    this._finish.addEventListener("click", () => this._finishArea());
    this._status = el("span", { class: "gp-search-status", "aria-live": "polite" });
    const button = (key, handler, testid) =>
      el("button", { type: "button", text: t(key), "data-testid": testid, onclick: handler });
    return el("div", { class: "gp-search-filters", hidden: "" }, [
      el("label", {}, [t("searchLayer"), this._layerSelect]),
      el("label", {}, [t("withinDistrict"), this._district]),
      el("div", { class: "gp-search-row" }, [
        el("label", {}, [t("withinMetres"), this._radius]),
        button("pickPoint", () => this._startDrawing("point"), "search-pick-point"),
        button("myLocation", () => this._locate(), "search-locate"),
      ]),
      el("div", { class: "gp-search-row" }, [
        button("drawRectangle", () => this._startDrawing("rectangle"), "search-draw-rectangle"),
        button("drawArea", () => this._startDrawing("area"), "search-draw-area"),
        this._finish,
        button("clearFilters", () => this._clear(), "search-clear-filters"),
      ]),
      el("label", { class: "gp-search-gcj" }, [this._gcj, t("gcjInput")]),
      this._status,
    ]);
  }

  async _loadDistricts() {
    if (!this._layers.some((l) => l.slug === "districts")) return;
    const url = `${this._searchUrl}?${new URLSearchParams({ layers: "districts", geometry: "point", limit: "50" })}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      this._status.textContent = t("searchFailed");
      return;
    }
    const { features } = await response.json();
    features.sort((a, b) => String(a.properties.attributes.code).localeCompare(String(b.properties.attributes.code)));
    for (const f of features) {
      this._district.append(el("option", { value: f.properties.attributes.code, text: f.properties.name }));
    }
  }

  _set(changes) {
    Object.assign(this._state, changes);
    this._drawShapes();
    this._onChange();
  }

  _drawShapes() {
    this._shape.clearLayers();
    const { near, area } = this._state;
    if (near) L.circle(near, { ...SHAPE_STYLE, radius: Number(this._radius.value || 1000) }).addTo(this._shape);
    if (area) L.polygon(area, SHAPE_STYLE).addTo(this._shape);
  }

  _startDrawing(mode) {
    this._stopDrawing();
    this._mode = mode;
    this._vertices = [];
    this._map.getContainer().classList.add("gp-drawing");
    this._map.on("click", this._onMapClick);
    this._status.textContent = t(`hint_${mode}`);
    this._finish.hidden = mode !== "area";
  }

  _stopDrawing() {
    this._map.off("click", this._onMapClick);
    this._map.getContainer().classList.remove("gp-drawing");
    this._mode = null;
    this._finish.hidden = true;
    this._status.textContent = "";
  }

  _onMapClick(event) {
    const ll = event.latlng;
    if (this._mode === "point") {
      this._stopDrawing();
      this._set({ near: ll, area: null });
      return;
    }
    this._vertices.push(ll);
    this._shape.clearLayers();
    if (this._mode === "rectangle" && this._vertices.length === 2) {
      const bounds = L.latLngBounds(this._vertices);
      this._stopDrawing();
      this._set({ near: null, area: [bounds.getSouthWest(), bounds.getSouthEast(), bounds.getNorthEast(),
        bounds.getNorthWest()] });
      return;
    }
    L.polyline(this._vertices, SHAPE_STYLE).addTo(this._shape);
  }

  _finishArea() {
    if (this._vertices.length < 3) {
      this._status.textContent = t("hint_area");
      return;
    }
    const area = this._vertices.slice();
    this._stopDrawing();
    this._set({ near: null, area });
  }

  _locate() {
    if (!navigator.geolocation) {
      this._status.textContent = t("noLocation");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => this._set({ near: L.latLng(pos.coords.latitude, pos.coords.longitude), area: null }),
      () => { this._status.textContent = t("noLocation"); },
      { enableHighAccuracy: true, timeout: 10000 },
    );
  }

  _clear() {
    this._stopDrawing();
    this._state = {};
    this._layerSelect.value = "";
    this._district.value = "";
    this._drawShapes();
    this._onChange();
  }
}
