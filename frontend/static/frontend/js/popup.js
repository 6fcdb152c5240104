// Feature popups: the feature's name and its attributes labelled from the layer's schema.
// Built from text nodes only, so a value such as "<img onerror=…>" stays text.
import { el } from "./dom.js";
import { localField, pick, t } from "./i18n.js";

function choiceLabel(field, value) {
  const choice = (field.choices || []).find((c) => (typeof c === "object" ? String(c.value) : String(c)) === String(value));
  return choice && typeof choice === "object" ? pick(choice.label_zh, choice.label_en) : null;
}

export function formatValue(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (field.type === "boolean") return value ? t("yes") : t("no");
  if (field.type === "choice") return choiceLabel(field, value) || String(value);
  return String(value);
}

export function featureName(layer, feature) {
  const props = feature.properties || {};
  const field = localField(layer.schema, layer.name_field);
  return (field && props[field]) || props._name || "";
}

export function popupContent(layer, feature) {
  const props = feature.properties || {};
  const layerTitle = pick(layer.title_zh, layer.title_en);
  const rows = (layer.schema || []).map((field) =>
    el("tr", { "data-field": field.name }, [
      el("th", { scope: "row", text: pick(field.label_zh, field.label_en) || field.name }),
      el("td", { text: formatValue(field, props[field.name]) }),
    ]),
  );
  return el("div", { class: "gp-popup", "data-layer": layer.slug, "data-feature-id": feature.id }, [
    el("h3", { text: featureName(layer, feature) || layerTitle }),
    el("div", { class: "gp-popup-layer" }, [
      layerTitle,
      layer.is_demo ? el("span", { class: "gp-demo", text: t("demoData") }) : null,
    ]),
    rows.length ? el("table", {}, rows) : el("p", { text: t("noAttributes") }),
  ]);
}
