// The map services each layer is published by, for the desktop and web clients other
// departments run (QGIS, ArcGIS, SuperMap, OpenLayers, Cesium, clients set up for 天地图):
// absolute URLs built from the page's origin, shown in the layer's info dialog with copy buttons.
import { copyText } from "./clipboard.js";
import { el } from "./dom.js";
import { pick, t } from "./i18n.js";
import { isRaster } from "./rasters.js";

// [key, url] for one layer; the keys name the i18n labels ("service.<key>").
export function serviceUrls(layer, origin = window.location.origin) {
  const slug = encodeURIComponent(layer.slug);
  const wmts = (matrixSet) => `${origin}/wmts/1.0.0/${slug}/default/${matrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png`;
  const urls = [
    ["wms", `${origin}/wms?SERVICE=WMS&REQUEST=GetCapabilities`],
    ["wmsLayer", layer.slug],
    ["wmts", `${origin}/wmts/1.0.0/WMTSCapabilities.xml`],
    ["wmtsWebMercator", wmts("WebMercatorQuad")],
    ["wmtsTianditu", wmts("c")],
    ["xyz", `${origin}/tiles/${slug}/{z}/{x}/{y}.png`],
  ];
  if (!isRaster(layer)) urls.push(["mvt", `${origin}/tiles/${slug}/{z}/{x}/{y}.mvt`]);
  urls.push(
    ["tilejson", `${origin}/tiles/${slug}.json`],
    ["ogcTiles", `${origin}/ogc/collections/${slug}/tiles`],
    ["ogcMaps", `${origin}/ogc/collections/${slug}/map`],
  );
  if (!isRaster(layer)) urls.push(["ogcFeatures", `${origin}/ogc/collections/${slug}/items`]);
  return urls;
}

function serviceRow(key, url) {
  const input = el("input", { type: "text", readonly: "readonly", class: "gp-service-url", value: url,
    "aria-label": t(`service.${key}`) });
  const status = el("span", { class: "gp-service-status", role: "status" });
  const button = el("button", { type: "button", class: "gp-service-copy", text: t("copyUrl"),
    "aria-label": `${t("copyUrl")}: ${t(`service.${key}`)}`,
    onclick: async () => {
      status.textContent = t(await copyText(url, input) === "copied" ? "copiedUrl" : "copyByHand");
    } });
  return el("li", { class: "gp-service", "data-service": key }, [
    el("span", { class: "gp-service-label", text: t(`service.${key}`) }),
    el("div", { class: "gp-service-line" }, [input, button]),
    status,
  ]);
}

// Degrees for longitude/latitude rasters, metres for projected ones, four significant digits.
function resolutionText(raster) {
  const geographic = [4326, 4490].includes(raster.epsg);
  return `${Number(Number(raster.resolution).toPrecision(4))}${geographic ? "°" : " m"}`;
}

function facts(layer) {
  const rows = [[t("infoDepartment"), layer.department]];
  const raster = layer.raster;
  if (isRaster(layer) && raster) {
    rows.push([t("infoRasterKind"), t(`rasterKind.${raster.kind}`)]);
    if (raster.resolution) rows.push([t("infoResolution"), resolutionText(raster)]);
    if (raster.width && raster.height) rows.push([t("infoSize"), `${raster.width} × ${raster.height}`]);
    if (raster.epsg) rows.push([t("infoCrs"), `EPSG:${raster.epsg}`]);
  } else {
    rows.push([t("infoFeatures"), (layer.feature_count ?? 0).toLocaleString()]);
  }
  if (layer.licence) rows.push([t("infoLicence"), layer.licence]);
  if (layer.attribution) rows.push([t("infoAttribution"), layer.attribution]);
  return el("dl", { class: "gp-info-facts" }, rows.flatMap(([term, value]) =>
    [el("dt", { text: term }), el("dd", { text: value })]));
}

export function openLayerInfo(app, layer) {
  const title = pick(layer.title_zh, layer.title_en);
  const description = pick(layer.description_zh, layer.description_en);
  const dialog = el("dialog", { class: "gp-info", "data-testid": "layer-info", "data-layer": layer.slug,
    "aria-label": title }, [
    el("h2", { text: title }),
    description ? el("p", { class: "gp-info-description", text: description }) : null,
    facts(layer),
    el("h3", { text: t("services") }),
    el("ul", { class: "gp-services" }, serviceUrls(layer).map(([key, url]) => serviceRow(key, url))),
    el("div", { class: "gp-download-buttons" }, [
      el("button", { type: "button", text: t("close"), onclick: () => dialog.close() }),
    ]),
  ]);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
