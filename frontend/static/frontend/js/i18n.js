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
    zoomToLayer: "Zoom to layer",
    demoData: "demo data",
    noAttributes: "No attributes",
    loadFailed: "Could not load layer",
    features: "features",
    yes: "Yes",
    no: "No",
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

export function t(key) {
  return (MESSAGES[current] && MESSAGES[current][key]) || MESSAGES.zh[key] || key;
}

// Pick the zh or en variant of a bilingual pair, falling back to the other.
export function pick(zh, en) {
  return current === "en" ? en || zh : zh || en;
}
