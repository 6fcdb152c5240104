// Managers create and edit layers in the browser: titles and descriptions (zh/en), geometry
// type, visibility, zoom range, a style editor with live preview on the map, and the schema
// editor with a dry run that lists the features a change would break. A raster layer has no
// geometry type nor schema: its dialog edits metadata and the raster style (js/editing/rasterstyle.js).
import { el } from "../dom.js";
import { isRaster } from "../rasters.js";
import { leafletStyle } from "../style.js";
import { call } from "./api.js";
import { modal } from "./dialog.js";
import { m } from "./messages.js";
import { RasterStyleEditor } from "./rasterstyle.js";
import { SchemaEditor } from "./schemaeditor.js";

const STYLE_INPUTS = [
  ["stroke", "color", {}], ["fill", "color", {}],
  ["weight", "range", { min: 0, max: 10, step: 0.5 }], ["opacity", "range", { min: 0, max: 1, step: 0.05 }],
  ["fill_opacity", "range", { min: 0, max: 1, step: 0.05 }], ["radius", "range", { min: 1, max: 20, step: 1 }],
];
const STYLE_LABELS = { stroke: "stroke", fill: "fill", weight: "weight", opacity: "opacity",
  fill_opacity: "fillOpacity", radius: "radius" };

function labelled(name, label, control) {
  return el("div", { class: "gp-field", "data-field": name }, [
    el("label", { for: control.id, text: label }), control,
    el("span", { class: "gp-field-error", id: `gp-layer-error-${name}` }),
  ]);
}

function textInput(name, value, type = "text") {
  return el(type === "textarea" ? "textarea" : "input",
    { id: `gp-layer-${name}`, name, type: type === "textarea" ? null : type, value: value ?? "" });
}

function choiceSelect(name, value, options) {
  const select = el("select", { id: `gp-layer-${name}`, name },
    Object.entries(options).map(([key, text]) => el("option", { value: key, text })));
  select.value = value;
  return select;
}

// `layer` is null for a new layer; `preview(style)` restyles the layer on the map live.
export function openLayerAdmin({ layer, preview = () => {}, onSaved }) {
  const isNew = !layer;
  const raster = isRaster(layer);
  const data = layer || { geometry_type: "point", visibility: "department", min_zoom: 0, max_zoom: 22,
    schema: [], style: { stroke: "#3367d6", fill: "#6f9bf1", weight: 2, opacity: 0.8, fill_opacity: 0.3, radius: 6 } };
  const inputs = {
    title_zh: textInput("title_zh", data.title_zh), title_en: textInput("title_en", data.title_en),
    description_zh: textInput("description_zh", data.description_zh, "textarea"),
    description_en: textInput("description_en", data.description_en, "textarea"),
    geometry_type: choiceSelect("geometry_type", data.geometry_type, m("geometryTypes")),
    visibility: choiceSelect("visibility", data.visibility, m("visibilities")),
    min_zoom: textInput("min_zoom", data.min_zoom, "number"), max_zoom: textInput("max_zoom", data.max_zoom, "number"),
  };
  if (isNew) inputs.slug = textInput("slug", "");
  if (raster) delete inputs.geometry_type;
  const rasterStyle = raster ? new RasterStyleEditor(layer) : null;
  const labels = { slug: "slug", title_zh: "titleZh", title_en: "titleEn", description_zh: "descriptionZh",
    description_en: "descriptionEn", geometry_type: "geometryType", visibility: "visibility",
    min_zoom: "minZoom", max_zoom: "maxZoom" };
  const styleInputs = Object.fromEntries(STYLE_INPUTS.map(([key, type, attrs]) => {
    const input = el("input", { id: `gp-style-${key}`, name: key, type, ...attrs });
    input.value = String(data.style?.[key] ?? "");
    return [key, input];
  }));
  const swatch = el("span", { class: "gp-style-swatch", "data-testid": "style-swatch" });
  const vectorStyle = () => ({ ...data.style, ...Object.fromEntries(Object.entries(styleInputs).map(([key, input]) =>
    [key, input.type === "color" ? input.value : Number(input.value)])) });
  const style = () => (raster ? rasterStyle.style() : vectorStyle());
  const showStyle = () => {
    if (raster) return;
    const leaflet = leafletStyle({ ...data, style: style() });
    swatch.style.borderColor = leaflet.color;
    swatch.style.borderWidth = `${leaflet.weight}px`;
    swatch.style.background = leaflet.fillColor;
    swatch.style.opacity = String(leaflet.opacity);
    preview(style());
  };
  for (const input of Object.values(styleInputs)) input.addEventListener("input", showStyle);
  const schemaEditor = new SchemaEditor(data.schema);
  const report = el("div", { class: "gp-dry-run", role: "status" });
  const formError = el("p", { class: "gp-form-error", role: "alert" });

  const dryRun = async () => {
    const { ok, data: result } = await call("POST", `/api/edit/layers/${layer.slug}/schema/dry-run/`,
      { schema: schemaEditor.schema(), renames: schemaEditor.renames() });
    if (!ok) {
      formError.textContent = result.error;
      return;
    }
    showFailures(result);
  };
  const showFailures = (result) => {
    report.replaceChildren(
      el("p", { text: m("dryRunResult", { checked: result.checked ?? "?", failed: result.failed ?? result.failures.length }) }),
      el("ul", {}, result.failures.map((f) => el("li", { "data-feature": f.feature_id,
        text: `#${f.feature_id}: ${Object.entries(f.errors).map(([k, v]) => `${k} — ${v}`).join("; ")}` }))),
    );
  };

  const save = async () => {
    const body = Object.fromEntries(Object.entries(inputs).map(([key, input]) =>
      [key, input.type === "number" ? Number(input.value) : input.value.trim()]));
    body.style = style();
    if (!raster) body.schema = schemaEditor.schema();
    const renames = schemaEditor.renames();
    if (!isNew && Object.keys(renames).length) body.renames = renames;
    const response = isNew
      ? await call("POST", "/api/edit/layers/", body)
      : await call("PATCH", `/api/edit/layers/${layer.slug}/`, body);
    for (const node of dialog.querySelectorAll(".gp-field-error")) node.textContent = "";
    formError.textContent = "";
    if (response.ok) {
      dialog.close();
      onSaved(response.data);
      return;
    }
    const errors = response.data.errors || {};
    for (const [key, message] of Object.entries(errors)) {
      const target = dialog.querySelector(`#gp-layer-error-${CSS.escape(key.replace("style.", ""))}`);
      if (target) target.textContent = message;
      else formError.textContent = `${formError.textContent} ${message}`.trim();
    }
    if (response.data.failures?.length) showFailures({ failures: response.data.failures, failed: null });
  };

  const dialog = modal(isNew ? m("newLayer") : m("manageLayer"), [
    el("form", { class: "gp-layer-form", novalidate: "" }, [
      ...Object.entries(inputs).map(([key, input]) => labelled(key, m(labels[key]), input)),
      raster ? rasterStyle.element : el("fieldset", { class: "gp-style-editor" }, [
        el("legend", {}, [m("style"), " ", swatch]),
        ...STYLE_INPUTS.map(([key]) => labelled(key, m(STYLE_LABELS[key]), styleInputs[key])),
      ]),
      raster ? null : schemaEditor.element,
      report,
      formError,
    ]),
  ], [
    isNew || raster ? null : el("button", { type: "button", "data-action": "dry-run", text: m("dryRun"), onclick: dryRun }),
    el("button", { type: "button", class: "gp-primary", "data-action": "save", text: m("save"), onclick: save }),
    el("button", { type: "button", "data-action": "cancel", text: m("cancel"), onclick: () => dialog.close() }),
  ], { testid: "layer-admin" });
  dialog.addEventListener("close", () => { if (!isNew && !raster) preview(layer.style || {}); });
  showStyle();
  return dialog;
}
