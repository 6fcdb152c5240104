// The layer list: grouped by theme, a legend swatch from each layer's style, a toggle and
// a zoom-to-extent button per layer.
import { el } from "./dom.js";
import { pick, t } from "./i18n.js";

const THEME_NAMES = {
  boundaries: ["行政区划", "Boundaries"],
  public_services: ["政务服务", "Public services"],
  education: ["教育", "Education"],
  health: ["医疗卫生", "Health"],
  environment: ["园林绿化", "Parks and environment"],
  planning: ["规划", "Planning"],
  economy: ["经济", "Economy"],
  transport: ["交通", "Transport"],
  feedback: ["公众反馈", "Public feedback"],
  other: ["其他", "Other"],
};

export function swatch(layer) {
  const style = layer.style || {};
  const node = el("span", { class: `gp-swatch ${layer.geometry_type}`, "aria-hidden": "true" });
  node.style.borderColor = style.stroke || "#3367d6";
  if (layer.geometry_type !== "line") node.style.background = style.fill || style.stroke || "#6f9bf1";
  return node;
}

export function renderLayerList(container, layers, { isOn, onToggle, onZoom }) {
  container.replaceChildren();
  const themes = new Map();
  for (const layer of layers) {
    if (!themes.has(layer.theme)) themes.set(layer.theme, []);
    themes.get(layer.theme).push(layer);
  }
  for (const [theme, members] of themes) {
    const names = THEME_NAMES[theme] || [theme, theme];
    const section = el("section", { class: "gp-theme" }, [el("h2", { text: pick(names[0], names[1]) })]);
    for (const layer of members) {
      const id = `gp-layer-${layer.slug}`;
      const checkbox = el("input", { type: "checkbox", id, "data-layer": layer.slug });
      checkbox.checked = isOn(layer.slug);
      checkbox.addEventListener("change", () => onToggle(layer, checkbox.checked));
      section.append(
        el("div", { class: "gp-layer" }, [
          checkbox,
          swatch(layer),
          el("label", { for: id, text: pick(layer.title_zh, layer.title_en) }),
          layer.is_demo ? el("span", { class: "gp-demo", text: t("demoData") }) : null,
          el("button", {
            type: "button", class: "gp-zoom", title: t("zoomToLayer"), "aria-label": t("zoomToLayer"),
            text: "⤢", onclick: () => onZoom(layer),
          }),
        ]),
      );
    }
    container.append(section);
  }
}
