// The style editor of a raster layer (in the layer dialog, js/editing/layeradmin.js): the layer's
// opacity for every raster; for elevation the colour ramp (stops of value and colour, added and
// removed), hillshade on/off and its opacity, with the ramp previewed live as a gradient over the
// raster's value range, and the saved style as the server draws it (OGC API - Maps); after a save
// the map's tiles of the layer are fetched afresh (js/editing/index.js). Writes the agreed raster style:
//   {"opacity": 0–1, "raster": {"ramp": [[value, "#rrggbb"], …], "hillshade": bool, "hillshade_opacity": 0–1}}
import { el } from "../dom.js";
import { rampGradient } from "../legend.js";
import { m } from "./messages.js";

const RAMP_COLOURS = ["#2b83ba", "#abdda4", "#ffffbf", "#fdae61", "#d7191c"];

// A ramp over the raster's value range when the layer has none yet.
export function defaultRamp(valueRange) {
  const [low, high] = valueRange?.length === 2 ? valueRange.map(Number) : [0, 1000];
  return RAMP_COLOURS.map((colour, i) => [Number((low + ((high - low) * i) / (RAMP_COLOURS.length - 1)).toFixed(2)), colour]);
}

function field(name, label, control) {
  return el("div", { class: "gp-field", "data-field": name }, [
    el("label", { for: control.id, text: label }), control,
    el("span", { class: "gp-field-error", id: `gp-layer-error-${name}` }),
  ]);
}

function range(id, value) {
  const input = el("input", { id, type: "range", min: "0", max: "1", step: "0.05" });
  input.value = String(value);
  return input;
}

// The server's drawing of the saved style over the layer's extent, 320 px wide (OGC API - Maps
// takes the extent and the height from the layer when they are not given).
export function mapPreviewUrl(layer) {
  return `/ogc/collections/${encodeURIComponent(layer.slug)}/map?width=320&f=png`;
}

export class RasterStyleEditor {
  constructor(layer) {
    this.layer = layer;
    const style = layer.style || {};
    const raster = style.raster || {};
    this.elevation = layer.raster?.kind === "elevation";
    this.opacity = range("gp-style-opacity", style.opacity ?? 1);
    this.hillshade = el("input", { id: "gp-style-hillshade", type: "checkbox" });
    this.hillshade.checked = Boolean(raster.hillshade);
    this.hillshadeOpacity = range("gp-style-hillshade_opacity", raster.hillshade_opacity ?? 0.5);
    this.rows = el("ol", { class: "gp-ramp-stops", "data-testid": "ramp-stops" });
    this.gradient = el("div", { class: "gp-ramp-preview", "data-testid": "ramp-preview", role: "img",
      "aria-label": m("rampPreview") });
    this.low = el("span", { class: "gp-ramp-low" });
    this.high = el("span", { class: "gp-ramp-high" });
    this.picture = el("img", { class: "gp-map-preview", "data-testid": "map-preview", alt: m("mapPreview") });
    this.picture.src = mapPreviewUrl(layer);
    const ramp = raster.ramp?.length ? raster.ramp : defaultRamp(layer.raster?.value_range);
    for (const [value, colour] of ramp) this.addStop(value, colour, false);
    const elevationParts = this.elevation ? [
      el("div", { class: "gp-field", "data-field": "raster.ramp" }, [
        el("span", { class: "gp-field-label", text: m("ramp") }),
        this.rows,
        el("button", { type: "button", class: "gp-ramp-add", "data-action": "add-stop", text: m("addStop"),
          onclick: () => this.addStop(this.nextValue(), "#808080", true) }),
        el("div", { class: "gp-ramp-bar" }, [this.gradient, el("div", { class: "gp-ramp-ends" }, [this.low, this.high])]),
        el("span", { class: "gp-field-error", id: "gp-layer-error-raster.ramp" }),
      ]),
      field("raster.hillshade", m("hillshade"), this.hillshade),
      field("raster.hillshade_opacity", m("hillshadeOpacity"), this.hillshadeOpacity),
    ] : [];
    this.element = el("fieldset", { class: "gp-style-editor gp-raster-style", "data-testid": "raster-style" }, [
      el("legend", { text: m("style") }),
      field("opacity", m("layerOpacity"), this.opacity),
      ...elevationParts,
      this.picture,
    ]);
    this.element.addEventListener("input", () => this.refresh());
    this.element.addEventListener("change", () => this.refresh());
    this.refresh();
  }

  nextValue() {
    const values = this.stops().map(([value]) => value);
    return values.length ? Math.max(...values) + 100 : 0;
  }

  addStop(value, colour, focus) {
    const number = el("input", { type: "number", step: "any", class: "gp-ramp-value", "aria-label": m("rampValue") });
    number.value = String(value);
    const picker = el("input", { type: "color", class: "gp-ramp-colour", "aria-label": m("rampColour") });
    picker.value = colour;
    const row = el("li", { class: "gp-ramp-stop" }, [number, picker,
      el("button", { type: "button", class: "gp-ramp-remove", "data-action": "remove-stop", text: "×",
        title: m("removeStop"), "aria-label": m("removeStop"),
        onclick: () => { row.remove(); this.refresh(); } })]);
    this.rows.append(row);
    if (focus) number.focus();
    this.refresh();
  }

  stops() {
    return [...this.rows.querySelectorAll(".gp-ramp-stop")]
      .map((row) => [Number(row.querySelector(".gp-ramp-value").value), row.querySelector(".gp-ramp-colour").value])
      .filter(([value]) => Number.isFinite(value));
  }

  style() {
    const style = { ...(this.layer.style || {}), opacity: Number(this.opacity.value) };
    if (this.elevation) {
      style.raster = { ...(style.raster || {}), ramp: this.stops().sort((a, b) => a[0] - b[0]),
        hillshade: this.hillshade.checked, hillshade_opacity: Number(this.hillshadeOpacity.value) };
    }
    return style;
  }

  refresh() {
    if (!this.elevation) return;
    const ramp = this.stops();
    this.gradient.style.background = rampGradient(ramp, "to right");
    const values = ramp.map(([value]) => value);
    this.low.textContent = values.length ? String(Math.min(...values)) : "";
    this.high.textContent = values.length ? String(Math.max(...values)) : "";
    this.hillshadeOpacity.disabled = !this.hillshade.checked;
    this.picture.style.opacity = this.opacity.value;
  }
}
