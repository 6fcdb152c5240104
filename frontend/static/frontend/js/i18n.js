// The JavaScript message catalogue (templates use Django's i18n; these are the strings built in JS).
const MESSAGES = {
  zh: {
    layers: "图层",
    zoomToLayer: "缩放到图层",
    demoData: "示例数据",
    noAttributes: "无属性",
    loadFailed: "图层加载失败",
    features: "个要素",
    yes: "是",
    no: "否",
  },
  en: {
    layers: "Layers",
    zoomToLayer: "Zoom to layer",
    demoData: "demo data",
    noAttributes: "No attributes",
    loadFailed: "Could not load layer",
    features: "features",
    yes: "Yes",
    no: "No",
  },
};

let current = "zh";

export function setLanguage(lang) {
  current = MESSAGES[lang] ? lang : "zh";
}

export function language() {
  return current;
}

export function t(key) {
  return (MESSAGES[current] && MESSAGES[current][key]) || MESSAGES.zh[key] || key;
}

// Pick the zh or en variant of a bilingual pair, falling back to the other.
export function pick(zh, en) {
  return current === "en" ? en || zh : zh || en;
}
