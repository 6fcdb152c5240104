// Feature popups: attribute tables labelled from the layer's schema, built from text nodes.
import { el } from "./dom.js";
import { pick, t } from "./i18n.js";

function formatValue(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (field.type === "boolean") return value ? t("yes") : t("no");
  if (field.type === "choice" && Array.isArray(field.choices)) {
    const choice = field.choices.find((c) => (typeof c === "object" ? c.value : c) === value);
    if (choice && typeof choice === "object") return pick(choice.label_zh, choice.label_en) || String(value);
  }
  return String(value);
}

export function popupContent(layer, feature) {
  const props = feature.properties || {};
  const rows = (layer.schema || []).map((field) =>
    el("tr", {}, [
      el("th", { text: pick(field.label_zh, field.label_en) || field.name }),
      el("td", { text: formatValue(field, props[field.name]) }),
    ]),
  );
  return el("div", { class: "gp-popup", "data-feature-id": feature.id }, [
    el("h3", { text: props._name || pick(layer.title_zh, layer.title_en) }),
    el("div", { class: "gp-popup-layer", text: pick(layer.title_zh, layer.title_en) }),
    rows.length ? el("table", {}, rows) : el("p", { text: t("noAttributes") }),
  ]);
}
