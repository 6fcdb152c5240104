// The share-request area map: the districts as backdrop, the area asked (and given) outlined, and,
// on the request and decision forms, a polygon tool whose drawing fills the hidden "drawn" field
// as GeoJSON and selects "drawn" among the area choices.
import { rasterTileLayer } from "../frontend/js/rasters.js";

const config = JSON.parse(document.getElementById("gp-area-config").textContent);
const map = L.map("gp-area-map", { attributionControl: false, scrollWheelZoom: false });
rasterTileLayer(config.backdrop, config.tiles, { minZoom: 0, className: "gp-area-backdrop" }).addTo(map);
const outlines = [];
for (const [key, color] of [["asked", "#e8a33d"], ["given", "#2e8540"]]) {
  if (config[key]) outlines.push(L.geoJSON(config[key], { style: { color, weight: 2, fillOpacity: 0.1 }, interactive: false }).addTo(map));
}
if (outlines.length) {
  map.fitBounds(L.featureGroup(outlines).getBounds(), { padding: [8, 8], maxZoom: 15 });
} else if (config.bbox) {
  const [west, south, east, north] = config.bbox;
  map.fitBounds([[south, west], [north, east]], { padding: [8, 8], maxZoom: 15 });
} else {
  map.setView([45.757, 126.642], 9);
}

const input = document.querySelector("input[name=drawn]");
if (input && map.pm) {
  map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
    drawCircle: false, drawText: false, drawRectangle: true, editMode: true, dragMode: false, cutPolygon: false,
    rotateMode: false, removalMode: true });
  const drawn = L.featureGroup().addTo(map);
  const write = () => {
    const polygons = [];
    drawn.eachLayer((layer) => {
      const geometry = layer.toGeoJSON().geometry;
      if (geometry.type === "Polygon") polygons.push(geometry.coordinates);
      else if (geometry.type === "MultiPolygon") polygons.push(...geometry.coordinates);
    });
    input.value = polygons.length ? JSON.stringify({ type: "MultiPolygon", coordinates: polygons }) : "";
    const choice = document.querySelector("input[name=area_kind][value=drawn]");
    if (choice && polygons.length) choice.checked = true;
  };
  map.on("pm:create", (event) => {
    drawn.addLayer(event.layer);
    event.layer.on("pm:edit", write);
    write();
  });
  map.on("pm:remove", (event) => {
    drawn.removeLayer(event.layer);
    write();
  });
}
