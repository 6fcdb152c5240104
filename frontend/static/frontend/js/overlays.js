// Map overlays for the platform's layers: styled from each layer's style, with popups.
import { popupContent } from "./popup.js";

export function leafletStyle(style) {
  return {
    color: style.stroke || "#3367d6",
    weight: style.weight ?? 2,
    opacity: style.opacity ?? 0.8,
    fillColor: style.fill || style.stroke || "#6f9bf1",
    fillOpacity: style.fill_opacity ?? 0.3,
  };
}

export async function geojsonOverlay(layer, featuresUrl) {
  const response = await fetch(featuresUrl, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${layer.slug}: HTTP ${response.status}`);
  const data = await response.json();
  const style = leafletStyle(layer.style || {});
  return L.geoJSON(data, {
    style: () => style,
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { ...style, radius: layer.style?.radius ?? 6 }),
    onEachFeature: (feature, leafletLayer) => {
      leafletLayer.bindPopup(() => popupContent(layer, feature), { maxWidth: 320 });
    },
  });
}
