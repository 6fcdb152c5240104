// Downloading a layer's data from the layer list: a dialog to choose the format, the coordinate
// system and the extent (the whole layer or the current map view). The file comes from
// /api/layers/<slug>/export with the rights of whoever uses the page (whoever sees a layer may
// download it), through a plain link, so the browser streams it to disk however large it is.
import { el } from "./dom.js";
import { pick, t } from "./i18n.js";

const FORMATS = [
  ["geojson", "GeoJSON"],
  ["gpkg", "GeoPackage"],
  ["shapefile", "Shapefile (.zip)"],
  ["csv", "CSV"],
  ["kml", "KML"],
  ["fgb", "FlatGeobuf"],
];
// The common choices; the API takes every EPSG code of docs/api.md.
const SYSTEMS = [
  ["EPSG:4326", () => "WGS 84 (EPSG:4326)"],
  ["EPSG:4490", () => "CGCS2000 (EPSG:4490)"],
  ["EPSG:4530", () => "CGCS2000 3° Gauss-Krüger 42 (EPSG:4530)"],
  ["EPSG:3857", () => "Web Mercator (EPSG:3857)"],
  ["GCJ02", () => t("gcj02")],
];
const LONLAT = new Set(["EPSG:4326", "GCJ02"]);

// The map's bounds as west,south,east,north in degrees, inside the world's.
function viewBbox(map) {
  const b = map.getBounds();
  const clamp = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(6);
  return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(",");
}

export function exportUrl(base, slug, { format, crs, bbox }) {
  const params = new URLSearchParams({ format, crs });
  if (bbox) params.set("bbox", bbox);
  return `${base}${encodeURIComponent(slug)}/export?${params}`;
}

function select(name, options) {
  return el("select", { name }, options.map(([value, label]) => el("option", { value, text: label })));
}

export function openDownload(app, layer) {
  const title = pick(layer.title_zh, layer.title_en);
  const format = select("format", FORMATS);
  const crs = select("crs", SYSTEMS.map(([code, label]) => [code, label()]));
  const whole = el("input", { type: "radio", name: "extent", value: "layer", checked: "checked" });
  const view = el("input", { type: "radio", name: "extent", value: "view" });
  const note = el("p", { class: "gp-download-note", role: "status" });
  const link = el("a", { class: "gp-download-go", "data-testid": "download-go", download: "", text: t("downloadGo") });
  const field = (label, control) => el("label", { class: "gp-download-field" }, [el("span", { text: label }), control]);

  const refresh = () => {
    const kml = format.value === "kml";
    for (const option of crs.options) option.disabled = kml && !LONLAT.has(option.value);
    if (crs.selectedOptions[0]?.disabled) crs.value = "EPSG:4326";
    const mixed = layer.geometry_type === "mixed";
    format.querySelector("option[value=shapefile]").disabled = mixed;
    if (mixed && format.value === "shapefile") format.value = "gpkg";
    note.textContent = kml ? t("downloadKml") : mixed ? t("downloadShapefile") : "";
    link.href = exportUrl(app.config.urls.layers, layer.slug, {
      format: format.value, crs: crs.value, bbox: view.checked ? viewBbox(app.map) : null,
    });
  };

  const dialog = el("dialog", { class: "gp-download", "data-testid": "download", "aria-label": t("download") }, [
    el("h2", { text: t("downloadTitle", { title }) }),
    field(t("downloadFormat"), format),
    field(t("downloadCrs"), crs),
    el("fieldset", { class: "gp-download-extent" }, [
      el("legend", { text: t("downloadExtent") }),
      el("label", {}, [whole, t("downloadWhole", { count: (layer.feature_count ?? 0).toLocaleString() })]),
      el("label", {}, [view, t("downloadView")]),
    ]),
    note,
    el("div", { class: "gp-download-buttons" }, [
      link,
      el("button", { type: "button", text: t("close"), onclick: () => dialog.close() }),
    ]),
  ]);
  for (const control of [format, crs, whole, view]) control.addEventListener("change", refresh);
  app.map.on("moveend", refresh);
  dialog.addEventListener("close", () => {
    app.map.off("moveend", refresh);
    dialog.remove();
  });
  refresh();
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
