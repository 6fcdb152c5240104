// The JavaScript message catalogue. Templates use Django's i18n; these are the strings built in JS.
// Layer titles, schema labels and choice labels come bilingual from the server: see pick().
const MESSAGES = {
  zh: {
    layers: "图层",
    zoomIn: "放大",
    zoomOut: "缩小",
    zoomToLayer: "缩放到图层范围",
    demoData: "示例数据",
    noAttributes: "无属性",
    loadFailed: "图层加载失败",
    loading: "加载中…",
    yes: "是",
    no: "否",
    zoomRange: "在 {min}–{max} 级可见",
    share: "分享当前视图",
    shareTitle: "当前视图的链接",
    copy: "复制链接",
    copied: "已复制到剪贴板",
    copyByHand: "请按 Ctrl+C（⌘C）复制",
    close: "关闭",
    "theme.boundaries": "行政区划",
    "theme.public_services": "政务服务",
    "theme.education": "教育",
    "theme.health": "医疗卫生",
    "theme.environment": "园林绿化",
    "theme.planning": "规划",
    "theme.economy": "经济",
    "theme.transport": "交通",
    "theme.feedback": "公众反馈",
    "theme.other": "其他",
  },
  en: {
    layers: "Layers",
    zoomIn: "Zoom in",
    zoomOut: "Zoom out",
    zoomToLayer: "Zoom to layer extent",
    demoData: "demo data",
    noAttributes: "No attributes",
    loadFailed: "Could not load layer",
    loading: "Loading…",
    yes: "Yes",
    no: "No",
    zoomRange: "Visible at zoom {min}–{max}",
    share: "Share this view",
    shareTitle: "Link to this view",
    copy: "Copy link",
    copied: "Copied to the clipboard",
    copyByHand: "Press Ctrl+C (⌘C) to copy",
    close: "Close",
    "theme.boundaries": "Boundaries",
    "theme.public_services": "Public services",
    "theme.education": "Education",
    "theme.health": "Health",
    "theme.environment": "Parks and environment",
    "theme.planning": "Planning",
    "theme.economy": "Economy",
    "theme.transport": "Transport",
    "theme.feedback": "Public feedback",
    "theme.other": "Other",
  },
};

let current = "zh";

export function setLanguage(lang) {
  current = MESSAGES[lang] ? lang : "zh";
}

export function language() {
  return current;
}

// t("zoomRange", { min: 3, max: 9 }) fills {placeholders}.
export function t(key, params = {}) {
  const text = (MESSAGES[current] && MESSAGES[current][key]) || MESSAGES.zh[key] || key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

// A theme's name (layers.models.Theme); an unknown theme shows its code.
export function themeName(theme) {
  const key = `theme.${theme}`;
  return key in MESSAGES.zh ? t(key) : theme;
}

// Pick the zh or en variant of a bilingual pair, falling back to the other.
export function pick(zh, en) {
  return current === "en" ? en || zh : zh || en;
}

// A property named like "name_zh" has an English sibling "name_en" in many layers: prefer the
// sibling in English when the schema has it.
export function localField(schema, name) {
  if (!name || current !== "en" || !name.endsWith("_zh")) return name;
  const sibling = `${name.slice(0, -3)}_en`;
  return (schema || []).some((field) => field.name === sibling) ? sibling : name;
}
