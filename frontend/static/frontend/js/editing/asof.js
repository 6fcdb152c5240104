// The map's history view: a layer drawn as it was at a past moment (?asof= on the features
// endpoint), in place of its current features until the user goes back to now.
import { geojsonOverlay } from "../overlays.js";

export class AsofView {
  constructor(map, layers) {
    this.map = map;
    this.layers = layers;
    this.shown = null;
  }

  async show(layer, moment) {
    this.clear();
    const query = new URLSearchParams({ asof: moment });
    const response = await fetch(`/api/layers/${layer.slug}/features/?${query}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${layer.slug}: HTTP ${response.status}`);
    const past = geojsonOverlay(layer, await response.json());
    past.setStyle({ dashArray: "4 3" });
    const wasOn = this.layers.isOn(layer.slug);
    this.layers.setOn(layer.slug, false);
    this.shown = { layer, wasOn, past: past.addTo(this.map) };
    return past.getLayers().length;
  }

  clear() {
    if (!this.shown) return;
    const { layer, wasOn, past } = this.shown;
    past.remove();
    if (wasOn) this.layers.setOn(layer.slug, true);
    this.shown = null;
  }
}
