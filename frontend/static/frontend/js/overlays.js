// GeoJSON overlays for the platform's layers: drawn with each layer's style, a popup per
// feature, and permanent labels from style.label_field shown from the layer's label zoom on.
import { el, escapeHtml } from "./dom.js";
import { localField } from "./i18n.js";
import { popupContent } from "./popup.js";
import { labelMinZoom, leafletStyle, pointStyle, styleOf } from "./style.js";
import { symbolMarker } from "./symbols.js";

export function popupOptions() {
  // Fits a 375-px phone: Leaflet sizes the popup between min and max width.
  return { maxWidth: Math.min(340, window.innerWidth - 60), minWidth: 160, autoPanPadding: [16, 16] };
}

function overlaps(a, b) {
  const gap = 4;
  return a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;
}

function bindLabels(overlay, layer) {
  const field = localField(layer.schema, styleOf(layer).label_field);
  if (!field) return;
  overlay.eachLayer((feature) => {
    const text = feature.feature.properties?.[field];
    if (text === null || text === undefined || text === "") return;
    feature.bindTooltip(el("span", { text: String(text) }), {
      permanent: true, direction: "center", className: "gp-label", interactive: false, opacity: 1,
    });
  });
  const minZoom = labelMinZoom(layer);
  let labelledMap = null; // the map the overlay is on (Leaflet keeps it privately as _map)
  const update = () => {
    const show = labelledMap !== null && labelledMap.getZoom() >= minZoom;
    const placed = [];
    overlay.eachLayer((feature) => {
      if (!feature.getTooltip()) return;
      if (!show) {
        feature.closeTooltip();
        return;
      }
      feature.openTooltip();
      // Leaflet does not place labels: hide one that would overlap a label already shown.
      const node = feature.getTooltip().getElement();
      node.style.visibility = "";
      const box = node.getBoundingClientRect();
      if (placed.some((other) => overlaps(box, other))) node.style.visibility = "hidden";
      else placed.push(box);
    });
  };
  overlay.on("add", () => {
    labelledMap = overlay._map;
    labelledMap.on("zoomend", update);
    update();
  });
  overlay.on("remove", () => {
    labelledMap?.off("zoomend", update);
    labelledMap = null;
  });
}

function highlight(options) {
  return { weight: options.weight + 1.5, fillOpacity: Math.min(options.fillOpacity + 0.2, 0.9) };
}

export function geojsonOverlay(layer, data) {
  const overlay = L.geoJSON(data, {
    pane: leafletStyle(layer).pane,
    attribution: layer.attribution ? escapeHtml(layer.attribution) : undefined,
    // Leaflet applies `style` to points too (and again on resetStyle): keep their symbol style.
    style: (feature) => (/Point$/.test(feature.geometry.type) ? pointStyle(layer) : leafletStyle(layer)),
    pointToLayer: (feature, latlng) => symbolMarker(latlng, { ...pointStyle(layer), symbol: styleOf(layer).symbol }),
    onEachFeature: (feature, leafletLayer) => {
      leafletLayer.bindPopup(() => popupContent(layer, feature), popupOptions());
      leafletLayer.on("mouseover", () => leafletLayer.setStyle(highlight(leafletLayer.options)));
      leafletLayer.on("mouseout", () => overlay.resetStyle(leafletLayer));
    },
  });
  bindLabels(overlay, layer);
  overlay.refreshChanged = async (changes, fetchFeature) => {
    for (const { feature: id, action } of changes) {
      replaceFeature(overlay, id, action === "delete" ? null : await fetchFeature(id));
    }
    return changes.length;
  };
  return overlay;
}

// Put `feature` (GeoJSON, or null when it was deleted) in place of the drawn feature `id`; a popup
// open on the old one opens again on the new one, so it shows the new values.
export function replaceFeature(overlay, id, feature) {
  let reopen = null;
  for (const drawn of overlay.getLayers().filter((l) => l.feature?.id === id)) {
    if (drawn.isPopupOpen()) reopen = drawn.getPopup().getLatLng();
    overlay.removeLayer(drawn);
  }
  if (!feature) return;
  overlay.addData(feature);
  const added = overlay.getLayers().find((l) => l.feature?.id === id);
  if (reopen && added) added.openPopup(reopen);
}

// The default renderer: fetch the layer's features as GeoJSON from the REST API.
export async function geojsonRenderer(layer, { featuresUrl }) {
  const response = await fetch(featuresUrl(layer), { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${layer.slug}: HTTP ${response.status}`);
  return geojsonOverlay(layer, await response.json());
}
