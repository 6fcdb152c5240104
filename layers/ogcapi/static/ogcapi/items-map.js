// A small map of the features on an OGC API HTML page; data from the page's own JSON twin.
(async function () {
  const element = document.getElementById("ogc-map");
  if (!element || !window.L) return;
  const response = await fetch(element.dataset.geojsonUrl, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) return;
  const data = await response.json();
  const map = L.map(element);
  const overlay = L.geoJSON(data, { pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 5 }) }).addTo(map);
  const bounds = overlay.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 16 });
  else map.setView([45.757, 126.642], 11);
})();
