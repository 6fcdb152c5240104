// An editing session on one layer: its features as editable Leaflet layers, Geoman's toolbar
// for the layer's geometry type (draw, vertices, snapping, drag, cut holes), and saving
// through the editing API with the base version each feature was loaded at.
//
// A large layer (one the map draws from tiles) is edited where the map is: from VIEW_MIN_ZOOM on,
// the features in view are loaded (VIEW_LIMIT at most), and more as the map moves; features
// already loaded, and unsaved changes to them, stay as they are.
import { leafletStyle, styleOf } from "../style.js";
import { call, editUrl } from "./api.js";
import { conflictDialog } from "./conflict.js";
import { confirmDialog } from "./dialog.js";
import { renderHistory } from "./history.js";
import { m } from "./messages.js";
import { FeaturePanel } from "./panel.js";

const VIEW_MIN_ZOOM = 15;
const VIEW_LIMIT = 2000;

const TOOLS = {
  point: { drawCircleMarker: true },
  line: { drawPolyline: true },
  polygon: { drawPolygon: true, drawRectangle: true, cutPolygon: true },
  mixed: { drawCircleMarker: true, drawPolyline: true, drawPolygon: true, cutPolygon: true },
};

function ownProperties(properties = {}) {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !key.startsWith("_")));
}

export class EditSession {
  constructor(map, layer, host, { byView = false } = {}) {
    this.map = map;
    this.layer = layer;
    this.byView = byView;
    this.loaded = new Set();
    const { pane, ...style } = leafletStyle(layer);
    this.style = style;
    this.radius = styleOf(layer).radius;
    this.selected = null;
    this.repaired = null;
    this.panel = new FeaturePanel(host, layer, {
      onSave: () => this.save(),
      onDelete: () => this.remove(),
      onHistory: (box) => this.showHistory(box),
      onCancel: () => this.deselect({ discardNew: true }),
      onRepair: () => this.previewRepair(),
      onSplit: () => this.startSplit(),
      onUseRepaired: () => this.useRepaired(),
    });
    // Features saved elsewhere since they were loaded here (live map): id -> their version.
    this.changedElsewhere = new Map();
    this.saving = false;
    this._onCreate = (event) => this._created(event);
    this._onCut = (event) => this._cut(event);
  }

  async start() {
    this.group = L.geoJSON(null, {
      pmIgnore: false,
      style: () => this.style,
      pointToLayer: (feature, latlng) =>
        L.circleMarker(latlng, { ...this.style, radius: this.radius, pmIgnore: false }),
      onEachFeature: (feature, leafletLayer) => this._adopt(leafletLayer, feature),
    }).addTo(this.map);
    if (this.byView) {
      this._onMove = () => this._loadView();
      this.map.on("moveend", this._onMove);
      await this._loadView();
    } else {
      const response = await fetch(`/api/layers/${this.layer.slug}/features/`, { credentials: "same-origin" });
      this.group.addData(await response.json());
    }
    this.map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, pathOptions: { ...this.style } });
    this.map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawRectangle: false,
      drawPolygon: false, drawCircle: false, drawText: false, cutPolygon: false, removalMode: false,
      rotateMode: false, editMode: true, dragMode: true, ...(TOOLS[this.layer.geometry_type] || TOOLS.mixed),
    });
    this.map.on("pm:create", this._onCreate);
    this.map.on("pm:cut", this._onCut);
  }

  // The features in view that are not loaded yet (large layers).
  async _loadView() {
    if (this.map.getZoom() < VIEW_MIN_ZOOM) {
      this.panel.notice(m("zoomInToEdit", { zoom: VIEW_MIN_ZOOM }));
      return;
    }
    const params = new URLSearchParams({ bbox: this.map.getBounds().toBBoxString(), limit: VIEW_LIMIT });
    const response = await fetch(`/api/layers/${this.layer.slug}/features/?${params}`, { credentials: "same-origin" });
    if (!this.group) return;  // the session ended meanwhile
    if (!response.ok) {
      this.panel.notice(m("loadFailed"));
      return;
    }
    const data = await response.json();
    this.group.addData({ type: "FeatureCollection", features: data.features.filter((f) => !this.loaded.has(f.id)) });
    this.panel.notice(data.features.length >= VIEW_LIMIT ? m("tooManyToEdit", { limit: VIEW_LIMIT }) : "");
  }

  stop() {
    if (this._onMove) this.map.off("moveend", this._onMove);
    this.deselect({ discardNew: true });
    this.map.pm.disableDraw();
    this.map.pm.disableGlobalEditMode();
    this.map.pm.removeControls();
    this.map.off("pm:create", this._onCreate);
    this.map.off("pm:cut", this._onCut);
    this.group?.remove();
    this.group = null;
    this.panel.remove();
  }

  // Give a Leaflet layer its feature's id, base version and properties, and make it selectable.
  _adopt(leafletLayer, feature, meta = null) {
    leafletLayer.gp = meta || {
      id: feature.id ?? null,
      version: feature.properties?._version ?? feature.version ?? null,
      properties: ownProperties(feature.properties),
    };
    if (leafletLayer.gp.id !== null) this.loaded.add(leafletLayer.gp.id);
    leafletLayer.on("click", () => this.select(leafletLayer));
    leafletLayer.on("pm:edit pm:dragend", () => { if (this.selected !== leafletLayer) this.select(leafletLayer); });
  }

  // A new editable Leaflet layer for `geometry`, carrying `meta`, in the session's group.
  _build(geometry, meta) {
    let created = null;
    L.geoJSON({ type: "Feature", geometry, properties: {} }, {
      pmIgnore: false,
      style: () => this.style,
      pointToLayer: (f, latlng) =>
        L.circleMarker(latlng, { ...this.style, radius: this.radius, pmIgnore: false }),
      onEachFeature: (f, l) => { created = l; },
    });
    this._adopt(created, null, meta);
    this.group.addLayer(created);
    return created;
  }

  _replace(leafletLayer, geometry, meta = leafletLayer.gp) {
    if (this.selected === leafletLayer) leafletLayer.pm?.disable();
    this.group.removeLayer(leafletLayer);
    return this._build(geometry, meta);
  }

  _created(event) {
    const geometry = event.layer.toGeoJSON().geometry;
    event.layer.remove();
    if (this.splitting) {
      this.splitting = false;
      if (this.selected) this._split(this.selected, geometry);
      return;
    }
    this.select(this._build(geometry, { id: null, version: null, properties: {} }), { force: true });
  }

  _cut(event) {
    const meta = event.originalLayer.gp;
    const geometry = event.layer.toGeoJSON().geometry;
    event.layer.remove();
    this.group.removeLayer(event.originalLayer);
    if (meta) this.select(this._build(geometry, meta), { force: true });
  }

  // Clicks while drawing or cutting belong to Geoman; a just-drawn shape is selected with `force`.
  select(leafletLayer, { force = false } = {}) {
    if (!force && (this.map.pm.globalDrawModeEnabled() || this.map.pm.globalCutModeEnabled())) return;
    if (this.selected && this.selected !== leafletLayer) this.deselect({ discardNew: true });
    this.selected = leafletLayer;
    leafletLayer.pm?.enable({ snappable: true, draggable: true });
    this.panel.open(leafletLayer.gp);
  }

  deselect({ discardNew = false } = {}) {
    const layer = this.selected;
    this.selected = null;
    this._clearRepair();
    this.panel.close();
    if (!layer) return;
    layer.pm?.disable();
    if (discardNew && !layer.gp.id) this.group.removeLayer(layer);
  }

  _payload() {
    return { geometry: this.selected.toGeoJSON().geometry, properties: this.panel.form.values() };
  }

  async save() {
    const layer = this.selected;
    if (!layer || !this.panel.form.validate()) return;
    this.panel.showGeometryError("");
    const body = this._payload();
    const meta = layer.gp;
    // Known to be stale (the live map said so): the conflict dialog comes before the save, not after.
    if (meta.id && (this.changedElsewhere.get(meta.id) ?? 0) > meta.version) {
      const { ok, data } = await call("GET", editUrl(this.layer.slug, "features", meta.id));
      if (ok) {
        this.panel.notice("");
        await this._resolveConflict(layer, data, body, () => this.save());
        return;
      }
    }
    this.saving = true;
    const response = await (meta.id
      ? call("PUT", editUrl(this.layer.slug, "features", meta.id), body, { "If-Match": `"${meta.version}"` })
      : call("POST", editUrl(this.layer.slug, "features"), body)).finally(() => { this.saving = false; });
    if (response.ok) {
      layer.gp = { id: response.data.id, version: response.data.version, properties: response.data.properties };
      this.loaded.add(layer.gp.id);
      this.deselect();
      this.panel.flash(m("saved"));
      return;
    }
    if (response.status === 412) {
      await this._resolveConflict(layer, response.data.current, body, () => this.save());
      return;
    }
    const errors = { ...(response.data.errors || { __all__: response.data.error || String(response.status) }) };
    const geometryError = errors.geometry;
    delete errors.geometry;
    this.panel.form.showErrors(errors);
    if (geometryError) this.panel.showGeometryError(geometryError, { repairable: response.data.repairable });
  }

  async _resolveConflict(layer, current, mine, retry) {
    const choice = await conflictDialog({ map: this.map, schema: this.layer.schema || [], current, mine });
    if (choice === "reapply") {
      layer.gp.version = current.version;
      this.panel.form.version.value = String(current.version);
      await retry();
      return;
    }
    const fresh = this._replace(layer, current.geometry,
      { id: current.id, version: current.version, properties: ownProperties(current.properties) });
    this.selected = null;
    this.select(fresh);
  }

  async remove() {
    const layer = this.selected;
    if (!layer?.gp.id || !(await confirmDialog(m("confirmDelete")))) return;
    const meta = layer.gp;
    const response = await call("DELETE", editUrl(this.layer.slug, "features", meta.id), {},
      { "If-Match": `"${meta.version}"` });
    if (response.status === 412) {
      await this._resolveConflict(layer, response.data.current, this._payload(), () => this.remove());
      return;
    }
    if (!response.ok) {
      this.panel.showGeometryError(response.data.error || String(response.status));
      return;
    }
    this.deselect();
    this.group.removeLayer(layer);
    this.panel.flash(m("deleted"));
  }

  async showHistory(box) {
    const layer = this.selected;
    if (!layer?.gp.id) return;
    await renderHistory(box, {
      slug: this.layer.slug,
      featureId: layer.gp.id,
      onRestore: async (version) => {
        const response = await call("POST", editUrl(this.layer.slug, "features", layer.gp.id, "restore"),
          { restore: version, version: this.selected.gp.version });
        if (!response.ok) {
          this.panel.showGeometryError(response.data.error || String(response.status));
          return;
        }
        const fresh = this._replace(this.selected, response.data.geometry, { id: response.data.id,
          version: response.data.version, properties: ownProperties(response.data.properties) });
        this.selected = null;
        this.select(fresh);
        await this.showHistory(this.panel.history);
      },
    });
  }

  // Draw a line across the selected feature; the server splits it (ST_Split) into features.
  startSplit() {
    if (!this.selected?.gp.id) return;
    this.splitting = true;
    this.map.pm.enableDraw("Line", { snappable: true });
  }

  async _split(layer, line) {
    const meta = layer.gp;
    const response = await call("POST", editUrl(this.layer.slug, "features", meta.id, "split"),
      { line, version: meta.version });
    if (!response.ok) {
      this.panel.showGeometryError(response.data.error || String(response.status));
      return;
    }
    const [first, ...others] = response.data.features;
    const asMeta = (f) => ({ id: f.id, version: f.version, properties: ownProperties(f.properties) });
    this._replace(layer, first.geometry, asMeta(first));
    for (const part of others) this._build(part.geometry, asMeta(part));
    this.selected = null;
    this.panel.close();
    this.panel.flash(m("saved"));
  }

  // A commit on this layer seen by the live map ({feature, action, version}); `fetchFeature(id)`
  // reads a feature's current state. The feature open in the form keeps the editor's unsaved work:
  // it is only marked, and saving it shows the conflict dialog first. Others are brought up to date.
  async remoteChange({ feature: id, action, version }, fetchFeature) {
    if (!this.group) return;
    const drawn = this.group.getLayers().find((l) => l.gp?.id === id);
    if (drawn && version <= drawn.gp.version) return; // this page's own save, or older news
    if (drawn && drawn === this.selected) {
      this.changedElsewhere.set(id, version);
      if (!this.saving) this.panel.notice(m(action === "delete" ? "deletedElsewhere" : "changedElsewhere"));
      return;
    }
    if (!drawn && (action !== "create" || this.saving || this.loaded.has(id))) return;
    const current = action === "delete" ? null : await fetchFeature(id);
    if (!this.group || (!drawn && this.loaded.has(id))) return; // loaded meanwhile
    if (drawn) this.group.removeLayer(drawn);
    if (current) this.group.addData(current);
  }

  // Restored features come back from the layer's change log.
  addFeature(feature) {
    // The live map may have brought it in already (its commit can arrive before this answer).
    for (const drawn of this.group.getLayers().filter((l) => l.gp?.id === feature.id)) this.group.removeLayer(drawn);
    this.group.addData(feature);
  }

  async previewRepair() {
    const { data } = await call("POST", editUrl(this.layer.slug, "repair"), { geometry: this._payload().geometry });
    this._clearRepair();
    if (!data.repaired) {
      this.panel.showGeometryError(data.valid ? "" : `${data.reason} — ${m("noRepair")}`);
      return;
    }
    this.repaired = { geometry: data.repaired, preview: L.geoJSON(data.repaired, {
      style: { color: "#2b8a3e", weight: 3, dashArray: "5 4", fillOpacity: 0.15 },
    }).addTo(this.map) };
    this.panel.geometryError.textContent = data.reason;
    this.panel.useRepairedButton.hidden = false;
  }

  useRepaired() {
    if (!this.repaired || !this.selected) return;
    const geometry = this.repaired.geometry;
    const fresh = this._replace(this.selected, geometry);
    const properties = this.panel.form.values();
    this.selected = null;
    this.select(fresh);
    this.panel.form.fill(properties, fresh.gp.version);
  }

  _clearRepair() {
    this.repaired?.preview.remove();
    this.repaired = null;
  }
}
