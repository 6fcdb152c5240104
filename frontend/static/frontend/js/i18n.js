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
    download: "下载图层数据",
    downloadTitle: "下载：{title}",
    downloadFormat: "格式",
    downloadCrs: "坐标系",
    downloadExtent: "范围",
    downloadWhole: "整个图层（{count} 个要素）",
    downloadView: "仅当前地图视图内",
    downloadGo: "下载",
    downloadKml: "KML 文件只用经纬度：WGS 84 或 GCJ-02。",
    downloadShapefile: "Shapefile 只能保存一种几何类型，混合图层请用 GeoPackage。",
    gcj02: "GCJ-02（火星坐标，国内网络地图）",
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
    search: "搜索",
    searchPlaceholder: "搜索地点、地址、要素或坐标",
    searchFailed: "搜索失败，请稍后再试",
    noResults: "没有找到结果",
    coordinate: "坐标",
    pinyin: "拼音",
    initials: "拼音首字母",
    spatialFilters: "空间筛选",
    searchLayer: "图层",
    allLayers: "全部图层",
    withinDistrict: "区县内",
    anyDistrict: "不限区县",
    withinMetres: "半径（米）",
    radiusMetres: "半径（米）",
    pickPoint: "在地图上点选",
    myLocation: "我的位置",
    drawRectangle: "画矩形",
    drawArea: "画范围",
    finishArea: "完成",
    clearFilters: "清除筛选",
    gcjInput: "坐标为 GCJ-02（国内网络地图）",
    hint_point: "请在地图上点击一个位置",
    hint_rectangle: "请在地图上点击矩形的两个对角",
    hint_area: "请依次点击范围的顶点（至少三个），然后点“完成”",
    noLocation: "无法获取您的位置",
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
    download: "Download the layer's data",
    downloadTitle: "Download: {title}",
    downloadFormat: "Format",
    downloadCrs: "Coordinate system",
    downloadExtent: "Extent",
    downloadWhole: "Whole layer ({count} features)",
    downloadView: "Only within the current map view",
    downloadGo: "Download",
    downloadKml: "KML files hold longitude/latitude only: WGS 84 or GCJ-02.",
    downloadShapefile: "A Shapefile holds one geometry type; use GeoPackage for this mixed layer.",
    gcj02: "GCJ-02 (offset coordinates of Chinese web maps)",
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
    search: "Search",
    searchPlaceholder: "Search places, addresses, features or coordinates",
    searchFailed: "Search failed; please try again",
    noResults: "Nothing found",
    coordinate: "Coordinate",
    pinyin: "pinyin",
    initials: "pinyin initials",
    spatialFilters: "Spatial filters",
    searchLayer: "Layer",
    allLayers: "All layers",
    withinDistrict: "In district",
    anyDistrict: "Any district",
    withinMetres: "Radius (m)",
    radiusMetres: "Radius in metres",
    pickPoint: "Pick on map",
    myLocation: "My location",
    drawRectangle: "Draw rectangle",
    drawArea: "Draw area",
    finishArea: "Finish",
    clearFilters: "Clear filters",
    gcjInput: "Coordinates are GCJ-02 (Chinese web maps)",
    hint_point: "Click a place on the map",
    hint_rectangle: "Click two opposite corners on the map",
    hint_area: "Click the corners of the area (at least three), then Finish",
    noLocation: "Your location is not available",
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
