// Shareable views: the URL hash holds zoom, centre and the layers switched on,
// e.g. #map=12/45.7570/126.6420&layers=districts,schools
export function readHash() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const view = (params.get("map") || "").split("/").map(Number);
  const result = {};
  if (view.length === 3 && view.every(Number.isFinite)) result.view = { zoom: view[0], lat: view[1], lng: view[2] };
  if (params.has("layers")) result.layers = params.get("layers").split(",").filter(Boolean);
  return result;
}

export function writeHash(map, layerSlugs) {
  const c = map.getCenter();
  const hash = `map=${map.getZoom()}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}&layers=${layerSlugs.join(",")}`;
  window.history.replaceState(null, "", `#${hash}`);
}
