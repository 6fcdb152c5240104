// Shareable views: the URL hash holds zoom, centre, the layers switched on, the layers whose
// opacity was changed and the base map, e.g.
//   #map=12/45.7570/126.6420&layers=districts,schools&opacity=schools:0.5&base=layer:dem
// ("layers=" alone: none on; no "base": the page's default or the last one chosen here).
// The hash is rewritten as the view changes (without a history entry per pan), and a hash
// pasted or edited by hand is applied at once.
function parseOpacity(text) {
  const result = {};
  for (const pair of text.split(",")) {
    const at = pair.lastIndexOf(":");
    const value = Number(pair.slice(at + 1));
    if (at > 0 && pair.slice(at + 1) !== "" && value >= 0 && value <= 1) result[pair.slice(0, at)] = value;
  }
  return result;
}

export function parseHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view = (params.get("map") || "").split("/").map(Number);
  const result = {};
  if (view.length === 3 && view.every(Number.isFinite) && Math.abs(view[1]) <= 90 && Math.abs(view[2]) <= 180) {
    result.view = { zoom: Math.round(view[0]), center: [view[1], view[2]] };
  }
  if (params.has("layers")) result.layers = params.get("layers").split(",").filter(Boolean);
  if (params.has("opacity")) result.opacity = parseOpacity(params.get("opacity"));
  if (params.get("base")) result.base = params.get("base");
  return result;
}

export function formatHash(map, layerSlugs, { opacity = {}, base = null } = {}) {
  const zoom = map.getZoom();
  const digits = zoom >= 14 ? 5 : 4;
  const c = map.getCenter();
  let hash = `#map=${zoom}/${c.lat.toFixed(digits)}/${c.lng.toFixed(digits)}&layers=${layerSlugs.join(",")}`;
  const changed = Object.entries(opacity).map(([slug, value]) => `${slug}:${Number(value.toFixed(2))}`);
  if (changed.length) hash += `&opacity=${changed.join(",")}`;
  if (base) hash += `&base=${encodeURIComponent(base)}`;
  return hash;
}

function appHash(app) {
  return formatHash(app.map, app.layers.onSlugs(), { opacity: app.layers.opacities(), base: app.basemap?.linkValue() });
}

export function permalinkUrl(app) {
  const { origin, pathname, search } = window.location;
  return `${origin}${pathname}${search}${appHash(app)}`;
}

export function init(app) {
  const { map, layers } = app;
  let written = "";
  const write = () => {
    written = appHash(app);
    if (window.location.hash !== written) window.history.replaceState(window.history.state, "", written);
  };
  map.on("moveend gp-basemapchange", write);
  layers.on("change opacity", write);
  window.addEventListener("hashchange", () => {
    if (window.location.hash === written) return;
    const state = parseHash();
    if (state.view) map.setView(state.view.center, state.view.zoom);
    if (state.layers) layers.setOnly(state.layers);
    for (const [slug, value] of Object.entries(state.opacity || {})) layers.setOpacity(slug, value);
    if (state.base) app.basemap?.set(state.base);
  });
  write();
}
