// The map's history view: a layer drawn as it was at a past moment (?asof= on the features
// endpoint), in place of its current features until the user goes back to now.
import { leafletStyle } from "../overlays.js";
import { popupContent } from "../popup.js";

export class AsofView {
  constructor(map, overlays) {
    this.map = map;
    this.overlays = overlays;
    this.shown = null;
  }

  async show(layer, moment) {
    this.clear();
    const query = new URLSearchParams({ asof: moment });
    const response = await fetch(`/api/layers/${layer.slug}/features/?${query}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${layer.slug}: HTTP ${response.status}`);
    const style = { ...leafletStyle(layer.style || {}), dashArray: "4 3" };
    const past = L.geoJSON(await response.json(), {
      style: () => style,
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { ...style, radius: layer.style?.radius ?? 6 }),
      onEachFeature: (feature, leafletLayer) => leafletLayer.bindPopup(() => popupContent(layer, feature)),
    });
    this.overlays.get(layer.slug)?.remove();
    this.shown = { layer, past: past.addTo(this.map) };
    return past.getLayers().length;
  }

  clear() {
    if (!this.shown) return;
    const { layer, past } = this.shown;
    past.remove();
    if (document.getElementById(`gp-layer-${layer.slug}`)?.checked) this.overlays.get(layer.slug)?.addTo(this.map);
    this.shown = null;
  }
}
