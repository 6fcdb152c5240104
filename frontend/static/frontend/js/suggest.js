// "Suggest a correction" on public features' popups: new attribute values and/or a redrawn
// shape, sent to the owning department's queue. No change to popup.js: the button is added when
// a popup of a public layer opens.
import { csrfToken } from "./csrf.js";
import { el } from "./dom.js";
import { language, pick } from "./i18n.js";

const TEXT = {
  zh: { suggest: "建议更正", comment: "说明（选填）", contact: "电话或邮箱（选填，不公开）", redraw: "重新绘制位置/形状",
    send: "提交建议", close: "关闭", thanks: "谢谢！建议已提交，部门审核后处理。", nothing: "请修改至少一项内容或重新绘制" },
  en: { suggest: "Suggest a correction", comment: "Comment (optional)", contact: "Phone or e-mail (optional, never shown)",
    redraw: "Redraw the place/shape", send: "Send suggestion", close: "Close", thanks: "Thank you! The department will review it.",
    nothing: "Change at least one value or redraw the shape" },
};
const tr = (key) => (TEXT[language()] || TEXT.zh)[key];
const DRAW = { point: "Marker", line: "Line", polygon: "Polygon" };

function inputFor(field, value) {
  const attrs = { name: field.name, "data-field": field.name };
  if (field.type === "choice") {
    return el("select", attrs, [el("option", { value: "", text: "—" }), ...(field.choices || []).map((c) => {
      const v = typeof c === "object" ? c.value : c;
      const option = el("option", { value: v, text: typeof c === "object" ? pick(c.label_zh, c.label_en) : c });
      if (v === value) option.selected = true;
      return option;
    })]);
  }
  if (field.type === "boolean") {
    const box = el("input", { ...attrs, type: "checkbox" });
    box.checked = Boolean(value);
    return box;
  }
  const type = { integer: "number", decimal: "number", date: "date" }[field.type] || "text";
  return el("input", { ...attrs, type, step: field.type === "decimal" ? "any" : undefined,
    value: value ?? "" });
}

function readValue(input, field) {
  if (field.type === "boolean") return input.checked;
  if (input.value === "") return null;
  if (field.type === "integer") return parseInt(input.value, 10);
  if (field.type === "decimal") return parseFloat(input.value);
  return input.value;
}

function form(map, layer, feature, close) {
  let redrawn = null;
  const props = feature.properties || {};
  const fields = (layer.schema || []).map((f) => ({ field: f, input: inputFor(f, props[f.name]) }));
  const message = el("p", { class: "gp-suggest-message", role: "status" });
  const node = el("form", { class: "gp-suggest-form", "data-testid": "suggest-form" }, [
    el("h3", { text: tr("suggest") }),
    ...fields.map(({ field, input }) => el("label", { class: "gp-report-field" }, [
      el("span", { text: pick(field.label_zh, field.label_en) || field.name }), input])),
    el("label", { class: "gp-report-field" }, [el("span", { text: tr("comment") }),
      el("textarea", { name: "comment", maxlength: 2000 })]),
    el("label", { class: "gp-report-field" }, [el("span", { text: tr("contact") }),
      el("input", { name: "contact", maxlength: 120 })]),
    el("div", { class: "gp-hp", "aria-hidden": "true" }, [el("input", { name: "website", tabindex: "-1",
      autocomplete: "off" })]),
    DRAW[layer.geometry_type] ? el("button", { type: "button", text: tr("redraw"), onclick: () => {
      redrawn?.remove();
      map.once("pm:create", ({ layer: drawnLayer }) => {
        redrawn = drawnLayer;
      });
      map.pm.enableDraw(DRAW[layer.geometry_type], { continueDrawing: false });
    } }) : null,
    el("div", { class: "gp-report-actions" }, [
      el("button", { type: "submit", "data-testid": "suggest-send", text: tr("send") }),
      el("button", { type: "button", text: tr("close"), onclick: () => {
        redrawn?.remove();
        close();
      } }),
    ]),
    message,
  ]);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changed = {};
    for (const { field, input } of fields) {
      const value = readValue(input, field);
      if (value !== (props[field.name] ?? null) && !(value === false && props[field.name] == null)) {
        changed[field.name] = value;
      }
    }
    if (!Object.keys(changed).length && !redrawn) {
      message.textContent = tr("nothing");
      return;
    }
    const response = await fetch("/api/annotations/suggestions/", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        layer: layer.slug, feature_id: feature.id, properties: changed,
        geometry: redrawn ? redrawn.toGeoJSON().geometry : null,
        comment: node.elements.comment.value, contact: node.elements.contact.value,
        website: node.elements.website.value,
      }),
    });
    const data = await response.json();
    redrawn?.remove();
    if (response.status === 201) {
      node.replaceChildren(el("p", { "data-testid": "suggest-done", text: tr("thanks") }),
        el("button", { type: "button", text: tr("close"), onclick: close }));
    }
    else message.textContent = data.error || `HTTP ${response.status}`;
  });
  return node;
}

export function initSuggestions(map, layers) {
  // The form opens beside the map (like the report form), not inside the small popup.
  const panel = el("section", { class: "gp-report-panel", hidden: "hidden", "aria-label": tr("suggest") });
  map.getContainer().parentElement.append(panel);
  const close = () => {
    panel.hidden = true;
    panel.replaceChildren();
  };
  map.on("popupopen", ({ popup }) => {
    const source = popup._source;
    const content = popup.getElement()?.querySelector(".gp-popup[data-layer][data-feature-id]");
    if (!source?.feature || !content || content.querySelector(".gp-suggest")) return;
    const layer = layers.get(content.dataset.layer);
    if (!layer || layer.visibility !== "public" || layer.slug === "feedback") return;
    content.append(el("button", { type: "button", class: "gp-suggest", "data-testid": "suggest-open",
      text: tr("suggest"), onclick: () => {
        map.closePopup();
        panel.replaceChildren(form(map, layer, source.feature, close));
        panel.hidden = false;
      } }));
  });
}
