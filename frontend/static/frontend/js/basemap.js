// The base map under the layers, chosen in a switcher: none, the configured XYZ service
// (settings BASEMAP_URL or TIANDITU_KEY) or one of the platform's own raster layers the
// visitor may see. Without a configured service and raster layers the district boundaries are
// the backdrop and the page requests nothing outside the server. The choice is kept in this
// browser (localStorage) and in the share link ("base=none|default|layer:<slug>", left out
// while the page's default is shown).
import { el, escapeHtml } from "./dom.js";
import { pick, t } from "./i18n.js";
import { isRaster, rasterTileLayer } from "./rasters.js";

const STORAGE_KEY = "geoportal.basemap";

export function basemapLayer(basemap) {
  if (!basemap) return null;
  return L.tileLayer(basemap.url, {
    attribution: basemap.attribution ? escapeHtml(basemap.attribution) : undefined,
    subdomains: basemap.subdomains || "abc",
    maxZoom: 18,
    className: "gp-basemap",
  });
}

// The choices as [id, label, () => L.Layer | null].
function choices(config) {
  const tilesUrl = config.tiles?.url || "/tiles/";
  const list = [["none", t("basemapNone"), () => null]];
  if (config.basemap) list.push(["default", config.basemap.label || t("basemapDefault"), () => basemapLayer(config.basemap)]);
  for (const layer of config.layers.filter(isRaster)) {
    list.push([`layer:${layer.slug}`, pick(layer.title_zh, layer.title_en),
      () => rasterTileLayer(layer, tilesUrl, { className: `gp-basemap gp-basemap-raster gp-raster-${layer.slug}`,
        minZoom: 0 })]);
  }
  return list;
}

function stored() {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (private mode, policies): the default then
  }
}

function store(id) {
  try {
    window.localStorage.setItem(STORAGE_KEY, id);
  } catch {
    // not kept across reloads; the share link still carries it
  }
}

const BasemapControl = L.Control.extend({
  options: { position: "topright" },

  initialize(switcher, options) {
    L.setOptions(this, options);
    this._switcher = switcher;
  },

  onAdd() {
    const select = el("select", { class: "gp-basemap-select", "data-testid": "basemap-select",
      "aria-label": t("basemap") },
    this._switcher.choices.map(([id, label]) => el("option", { value: id, text: label })));
    select.value = this._switcher.current();
    select.addEventListener("change", () => {
      this._switcher.set(select.value);
      store(select.value);
    });
    this._select = select;
    const container = el("div", { class: "leaflet-control gp-basemap-control" }, [
      el("label", {}, [el("span", { class: "gp-basemap-label", text: t("basemap") }), select]),
    ]);
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
    return container;
  },

  update(id) {
    if (this._select) this._select.value = id;
  },
});

export function init(app) {
  const { map, config } = app;
  const list = choices(config);
  const known = new Set(list.map(([id]) => id));
  let current = null;
  let drawn = null;
  let control = null;
  const pageDefault = config.basemap ? "default" : "none";
  const switcher = {
    choices: list,
    current: () => current,
    // What the share link says: nothing while the page's own default is shown.
    linkValue: () => (current === pageDefault ? null : current),
    // Draw the base map `id`; an unknown id (a layer no longer visible) is ignored.
    set(id) {
      if (!known.has(id) || id === current) return;
      drawn?.remove();
      current = id;
      drawn = list.find(([choice]) => choice === id)[2]();
      drawn?.addTo(map);
      control?.update(id);
      map.getContainer().dataset.basemap = id;
      map.fire("gp-basemapchange", { id });
    },
  };
  const wanted = [app.initial?.base, stored(), pageDefault];
  switcher.set(wanted.find((id) => known.has(id)));
  app.basemap = switcher;
  // A switcher with one choice (none) says nothing.
  if (list.length > 1) control = new BasemapControl(switcher).addTo(map);
}
