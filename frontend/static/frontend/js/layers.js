// Which layers are switched on, their overlays, and their zoom ranges: a switched-on layer is
// on the map only while the zoom is inside [min_zoom, max_zoom]. Overlays are made by
// renderers, tried in order; modules may put their own first (e.g. vector tiles):
//
//   app.layers.renderers.unshift(async (layer, context) => overlayOrNull)
//
// Events (app.layers.on(name, fn)):
//   "change"  {slug, on}            a layer was switched on or off
//   "state"   {slug, state, error}  loading | ready | error
//   "range"   {slug, inRange}       the zoom entered or left a layer's range
//   "overlay" {slug, overlay}       an overlay was made (first time a layer shows)
//   "opacity" {slug, opacity}       the person moved a layer's opacity slider (0–1)
export class LayerManager extends L.Evented {
  constructor(map, layers, { on = [], featuresUrl, opacity = {} }) {
    super();
    this.map = map;
    this.context = { map, featuresUrl };
    this.renderers = [];
    this._layers = new Map(layers.map((layer) => [layer.slug, layer]));
    this._switchedOn = new Set(on.filter((slug) => this._layers.has(slug)));
    this._overlays = new Map();
    this._states = new Map();
    this._loads = new Map();
    this._ranges = new Map();
    this._opacity = new Map(Object.entries(opacity).filter(([slug, value]) =>
      this._layers.has(slug) && value >= 0 && value <= 1));
    this._started = false;
  }

  all() {
    return [...this._layers.values()];
  }

  get(slug) {
    return this._layers.get(slug);
  }

  isOn(slug) {
    return this._switchedOn.has(slug);
  }

  onSlugs() {
    return this.all().filter((layer) => this._switchedOn.has(layer.slug)).map((layer) => layer.slug);
  }

  overlay(slug) {
    return this._overlays.get(slug);
  }

  state(slug) {
    return this._states.get(slug) || "idle";
  }

  inRange(slug, zoom = this.map.getZoom()) {
    const layer = this.get(slug);
    return Boolean(layer) && zoom >= layer.min_zoom && zoom <= layer.max_zoom;
  }

  // The overlay's opacity on top of its style, 1 unless the person changed it.
  opacity(slug) {
    return this._opacity.get(slug) ?? 1;
  }

  // Layers whose opacity differs from 1, as {slug: opacity} (for the permalink).
  opacities() {
    return Object.fromEntries([...this._opacity].filter(([, value]) => value !== 1));
  }

  setOpacity(slug, opacity) {
    const value = Math.min(Math.max(Number(opacity), 0), 1);
    if (!this._layers.has(slug) || !Number.isFinite(value) || this.opacity(slug) === value) return;
    this._opacity.set(slug, value);
    this.fire("opacity", { slug, opacity: value });
  }

  setOn(slug, on) {
    if (!this._layers.has(slug) || this._switchedOn.has(slug) === on) return;
    if (on) this._switchedOn.add(slug);
    else this._switchedOn.delete(slug);
    this.fire("change", { slug, on });
    this._sync(slug);
  }

  // Switch on exactly these layers (a restored permalink).
  setOnly(slugs) {
    const wanted = new Set(slugs);
    for (const slug of this._layers.keys()) this.setOn(slug, wanted.has(slug));
  }

  // Zoom the map to a layer's cached extent ([west, south, east, north]), within its zoom range.
  zoomTo(slug) {
    const layer = this.get(slug);
    if (!layer?.extent) return;
    const [west, south, east, north] = layer.extent;
    const bounds = L.latLngBounds([south, west], [north, east]);
    const fitted = this.map.getBoundsZoom(bounds, false, L.point(48, 48));
    const zoom = Math.min(Math.max(fitted, layer.min_zoom), layer.max_zoom, this.map.getMaxZoom());
    this.map.setView(bounds.getCenter(), zoom);
  }

  // Drop a layer's overlay and draw it afresh (e.g. after its features were edited).
  reload(slug) {
    this._overlays.get(slug)?.remove();
    this._overlays.delete(slug);
    this._loads.delete(slug);
    this._sync(slug);
  }

  // Called once modules have registered their renderers; resolves when the first draw is done.
  start() {
    this._started = true;
    this.map.on("zoomend", () => {
      for (const slug of this._layers.keys()) this._sync(slug);
    });
    for (const slug of this._layers.keys()) this._sync(slug);
    return this.whenLoaded();
  }

  // Resolves when every layer that is on and in range has finished loading (or failed).
  whenLoaded() {
    return Promise.allSettled([...this._loads.values()]).then(() => undefined);
  }

  _setState(slug, state, error) {
    this._states.set(slug, state);
    this.fire("state", { slug, state, error });
  }

  _sync(slug) {
    if (!this._started) return;
    const inRange = this.inRange(slug);
    if (this._ranges.get(slug) !== inRange) {
      this._ranges.set(slug, inRange);
      this.fire("range", { slug, inRange });
    }
    const wanted = this._switchedOn.has(slug) && inRange;
    const overlay = this._overlays.get(slug);
    if (!wanted) {
      if (overlay && this.map.hasLayer(overlay)) overlay.remove();
      return;
    }
    if (overlay) {
      if (!this.map.hasLayer(overlay)) overlay.addTo(this.map);
    } else if (!this._loads.has(slug)) {
      this._loads.set(slug, this._load(slug));
    }
  }

  async _load(slug) {
    const layer = this.get(slug);
    this._setState(slug, "loading");
    try {
      let overlay = null;
      for (const render of this.renderers) {
        overlay = await render(layer, this.context);
        if (overlay) break;
      }
      if (!overlay) throw new Error(`${slug}: no renderer for this layer`);
      this._overlays.set(slug, overlay);
      this.fire("overlay", { slug, overlay });
      this._setState(slug, "ready");
    } catch (error) {
      this._loads.delete(slug); // switching the layer on again retries
      this._setState(slug, "error", error);
      return;
    }
    this._sync(slug);
  }
}
