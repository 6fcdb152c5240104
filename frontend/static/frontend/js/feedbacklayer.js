// The public feedback layer on the map: markers clustered at low zoom, a popup per report and a
// filter by category and status. Data comes from the ordinary layer endpoint (public fields only).
import { el } from "./dom.js";
import { language, pick } from "./i18n.js";

const TEXT = {
  zh: { all: "全部", category: "类别", status: "状态", follow: "查看办理进度", filter: "筛选反馈" },
  en: { all: "All", category: "Category", status: "Status", follow: "Follow this report", filter: "Filter feedback" },
};
const tr = (key) => (TEXT[language()] || TEXT.zh)[key];

function choices(layer, name) {
  const field = (layer.schema || []).find((f) => f.name === name);
  return (field?.choices || []).map((c) => ({ value: c.value, label: pick(c.label_zh, c.label_en) }));
}

function labelOf(list, value) {
  return list.find((c) => c.value === value)?.label || value;
}

function popup(props, categories, statuses) {
  return el("div", { class: "gp-popup gp-feedback-popup", "data-tracking": props.tracking_number }, [
    el("h3", { text: labelOf(categories, props.category) }),
    el("div", { class: "gp-popup-layer", text: `${props.tracking_number} · ${labelOf(statuses, props.status)}` }),
    el("p", { class: "gp-feedback-text", text: props.description || "" }),
    el("a", { href: `/track/${encodeURIComponent(props.tracking_number)}/`, text: tr("follow") }),
  ]);
}

function markerFor(feature, leafletLayer) {
  if (leafletLayer instanceof L.Marker) return leafletLayer;
  return L.marker(leafletLayer.getBounds().getCenter());
}

class FeedbackFilter extends L.Control {
  constructor(categories, statuses, onChange) {
    super({ position: "topright" });
    this._lists = { category: categories, status: statuses };
    this._onChange = onChange;
  }

  onAdd() {
    const selects = Object.entries(this._lists).map(([name, list]) =>
      el("label", {}, [
        tr(name),
        el("select", { name, "data-testid": `feedback-filter-${name}`, onchange: () => this._changed() }, [
          el("option", { value: "", text: tr("all") }),
          ...list.map((c) => el("option", { value: c.value, text: c.label })),
        ]),
      ]),
    );
    this._container = el("div", { class: "leaflet-bar gp-feedback-filter", "aria-label": tr("filter") }, selects);
    L.DomEvent.disableClickPropagation(this._container);
    return this._container;
  }

  onRemove() {
    this._container = null;
  }

  _changed() {
    const value = (name) => this._container.querySelector(`select[name=${name}]`).value;
    this._onChange({ category: value("category"), status: value("status") });
  }
}

// A renderer for app.layers: draws the `feedback` layer, declines every other.
export async function feedbackRenderer(layer, { featuresUrl }) {
  if (layer.slug !== "feedback") return null;
  const response = await fetch(featuresUrl(layer), { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${layer.slug}: HTTP ${response.status}`);
  const data = await response.json();
  const categories = choices(layer, "category");
  const statuses = choices(layer, "status");
  const markers = [];
  L.geoJSON(data, {
    onEachFeature: (feature, leafletLayer) => {
      const marker = markerFor(feature, leafletLayer);
      marker.feature = feature;
      marker.bindPopup(() => popup(feature.properties || {}, categories, statuses), { maxWidth: 320 });
      markers.push(marker);
    },
  });
  const cluster = L.markerClusterGroup({ disableClusteringAtZoom: 16, showCoverageOnHover: false });
  const apply = ({ category, status }) => {
    cluster.clearLayers();
    cluster.addLayers(
      markers.filter(
        (m) => (!category || m.feature.properties.category === category) &&
          (!status || m.feature.properties.status === status),
      ),
    );
  };
  apply({});
  const filter = new FeedbackFilter(categories, statuses, apply);
  cluster.on("add", () => cluster._map && filter.addTo(cluster._map));
  cluster.on("remove", () => filter.remove());
  return cluster;
}
