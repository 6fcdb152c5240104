// The layer panel: layers grouped by theme, each with its legend swatch, a switch, a
// zoom-to-extent button, an info button (metadata and service URLs), a download button for
// vector layers, an opacity slider while the layer is on, and a note when the current zoom is
// outside the layer's range.
import { el } from "./dom.js";
import { openDownload } from "./download.js";
import { pick, t, themeName } from "./i18n.js";
import { swatch } from "./legend.js";
import { opacitySlider } from "./opacity.js";
import { isRaster } from "./rasters.js";
import { openLayerInfo } from "./services.js";

function layerRow(layer, app) {
  const { layers } = app;
  const id = `gp-layer-${layer.slug}`;
  const checkbox = el("input", { type: "checkbox", id, "data-layer": layer.slug });
  checkbox.checked = layers.isOn(layer.slug);
  checkbox.addEventListener("change", () => layers.setOn(layer.slug, checkbox.checked));
  const status = el("span", { class: "gp-layer-status", "aria-live": "polite" });
  const title = pick(layer.title_zh, layer.title_en);
  return el("li", { class: `gp-layer${layers.isOn(layer.slug) ? " gp-on" : ""}`, "data-layer": layer.slug,
    "data-kind": isRaster(layer) ? "raster" : "vector" }, [
    checkbox,
    swatch(layer),
    el("label", { for: id, title: pick(layer.description_zh, layer.description_en) || title }, [
      el("span", { class: "gp-layer-title", text: title }),
      layer.is_demo ? el("span", { class: "gp-demo", text: t("demoData") }) : null,
      status,
    ]),
    el("button", {
      type: "button", class: "gp-zoom", title: t("zoomToLayer"), "aria-label": `${t("zoomToLayer")}: ${title}`,
      disabled: layer.extent ? null : "disabled", onclick: () => layers.zoomTo(layer.slug),
    }, [el("span", { class: "gp-zoom-icon", "aria-hidden": "true" })]),
    el("button", {
      type: "button", class: "gp-info-button", title: t("layerInfo"), "aria-label": `${t("layerInfo")}: ${title}`,
      onclick: () => openLayerInfo(app, layer),
    }, [el("span", { class: "gp-info-icon", "aria-hidden": "true", text: "i" })]),
    isRaster(layer) ? null : el("button", {
      type: "button", class: "gp-download-button", title: t("download"), "aria-label": `${t("download")}: ${title}`,
      onclick: () => openDownload(app, layer),
    }, [el("span", { class: "gp-download-icon", "aria-hidden": "true" })]),
    opacitySlider(app, layer),
  ]);
}

function themeSections(all) {
  const themes = new Map();
  for (const layer of all) {
    if (!themes.has(layer.theme)) themes.set(layer.theme, []);
    themes.get(layer.theme).push(layer);
  }
  return themes;
}

export function init(app) {
  const container = document.getElementById("gp-layer-list");
  const { layers } = app;
  const rows = new Map();
  container.replaceChildren();
  for (const [theme, members] of themeSections(layers.all())) {
    const list = el("ul", { class: "gp-theme-layers" });
    for (const layer of members) {
      const row = layerRow(layer, app);
      rows.set(layer.slug, row);
      list.append(row);
    }
    container.append(el("section", { class: "gp-theme", "data-theme": theme }, [
      el("h2", { text: themeName(theme) }),
      list,
    ]));
  }

  const status = (slug, text) => {
    rows.get(slug).querySelector(".gp-layer-status").textContent = text;
  };
  layers.on("change", ({ slug, on }) => {
    rows.get(slug).querySelector("input").checked = on;
    rows.get(slug).classList.toggle("gp-on", on);
  });
  layers.on("range", ({ slug, inRange }) => {
    const layer = layers.get(slug);
    rows.get(slug).classList.toggle("gp-out-of-range", !inRange);
    status(slug, inRange ? "" : t("zoomRange", { min: layer.min_zoom, max: layer.max_zoom }));
  });
  // A layer drawn afresh (e.g. restyled by its manager) gets its swatch redrawn too.
  layers.on("overlay", ({ slug }) => {
    rows.get(slug).querySelector(".gp-swatch")?.replaceWith(swatch(layers.get(slug)));
  });
  layers.on("state", ({ slug, state, error }) => {
    const row = rows.get(slug);
    row.dataset.state = state;
    if (state === "error") {
      console.warn(t("loadFailed"), error);
      status(slug, t("loadFailed"));
    } else if (layers.inRange(slug)) {
      status(slug, state === "loading" ? t("loading") : "");
    }
  });
}
