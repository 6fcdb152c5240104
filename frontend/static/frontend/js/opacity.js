// Per-layer opacity: a slider in each layer row (js/layerlist.js) sets app.layers.setOpacity, and
// this module applies it to the layer's overlay however it is drawn: tile layers (raster tiles,
// vector tiles) take it as their opacity, GeoJSON overlays have their stroke and fill opacities
// scaled, so the style stays the one the layer's managers chose.
import { el } from "./dom.js";
import { pick, t } from "./i18n.js";

const BASE_STYLE = Symbol("gp-base-style");

export function applyOpacity(overlay, opacity) {
  if (!overlay) return;
  if (typeof overlay.setOpacity === "function" && overlay instanceof L.GridLayer) {
    overlay.setOpacity(opacity);
    return;
  }
  if (typeof overlay.resetStyle !== "function") return;
  overlay[BASE_STYLE] ??= overlay.options.style;
  const base = overlay[BASE_STYLE];
  overlay.options.style = (feature) => {
    const style = (typeof base === "function" ? base(feature) : base) || {};
    return { ...style, opacity: (style.opacity ?? 1) * opacity, fillOpacity: (style.fillOpacity ?? 0.2) * opacity };
  };
  overlay.resetStyle();
}

// The slider of one layer row: 0–100 %, its value read out as a percentage.
export function opacitySlider(app, layer) {
  const { layers } = app;
  const title = pick(layer.title_zh, layer.title_en);
  const percent = () => Math.round(layers.opacity(layer.slug) * 100);
  const input = el("input", {
    type: "range", min: "0", max: "100", step: "5", class: "gp-opacity", "data-opacity": layer.slug,
    title: t("opacity"), "aria-label": `${t("opacity")}: ${title}`,
  });
  input.value = String(percent());
  input.setAttribute("aria-valuetext", `${percent()}%`);
  input.addEventListener("input", () => layers.setOpacity(layer.slug, Number(input.value) / 100));
  layers.on("opacity", ({ slug }) => {
    if (slug !== layer.slug) return;
    input.value = String(percent());
    input.setAttribute("aria-valuetext", `${percent()}%`);
  });
  return input;
}

export function init(app) {
  const { layers } = app;
  layers.on("overlay", ({ slug, overlay }) => {
    if (layers.opacity(slug) !== 1) applyOpacity(overlay, layers.opacity(slug));
  });
  layers.on("opacity", ({ slug, opacity }) => applyOpacity(layers.overlay(slug), opacity));
}
