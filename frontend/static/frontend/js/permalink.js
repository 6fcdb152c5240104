// Shareable views: the URL hash holds zoom, centre and the layers switched on,
// e.g. #map=12/45.7570/126.6420&layers=districts,schools ("layers=" alone: none on).
// The hash is rewritten as the view changes (without a history entry per pan), and a hash
// pasted or edited by hand is applied at once.
export function parseHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view = (params.get("map") || "").split("/").map(Number);
  const result = {};
  if (view.length === 3 && view.every(Number.isFinite) && Math.abs(view[1]) <= 90 && Math.abs(view[2]) <= 180) {
    result.view = { zoom: Math.round(view[0]), center: [view[1], view[2]] };
  }
  if (params.has("layers")) result.layers = params.get("layers").split(",").filter(Boolean);
  return result;
}

export function formatHash(map, layerSlugs) {
  const zoom = map.getZoom();
  const digits = zoom >= 14 ? 5 : 4;
  const c = map.getCenter();
  return `#map=${zoom}/${c.lat.toFixed(digits)}/${c.lng.toFixed(digits)}&layers=${layerSlugs.join(",")}`;
}

export function permalinkUrl(app) {
  const { origin, pathname, search } = window.location;
  return `${origin}${pathname}${search}${formatHash(app.map, app.layers.onSlugs())}`;
}

export function init(app) {
  const { map, layers } = app;
  let written = "";
  const write = () => {
    written = formatHash(map, layers.onSlugs());
    if (window.location.hash !== written) window.history.replaceState(window.history.state, "", written);
  };
  map.on("moveend", write);
  layers.on("change", write);
  window.addEventListener("hashchange", () => {
    if (window.location.hash === written) return;
    const state = parseHash();
    if (state.view) map.setView(state.view.center, state.view.zoom);
    if (state.layers) layers.setOnly(state.layers);
  });
  write();
}
