// Small maps of the staff pages: the inbox's filtered items, or one item's shape.
// Text from reports is set with textContent only.
function popup(props) {
  const link = document.createElement("a");
  link.href = `/inbox/${encodeURIComponent(props.tracking_number)}/`;
  link.textContent = `${props.icon} ${props.tracking_number} · ${props.state}`;
  return link;
}

function draw(container, data) {
  const map = L.map(container);
  const layer = L.geoJSON(data, {
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 7, color: "#c0392b" }),
    onEachFeature: (feature, leafletLayer) => {
      if (feature.properties?.tracking_number) leafletLayer.bindPopup(() => popup(feature.properties));
    },
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
  else map.setView([45.757, 126.642], 11);
}

const inbox = document.getElementById("an-inbox-map");
if (inbox) {
  fetch(inbox.dataset.src).then((r) => r.json()).then((data) => draw(inbox, data));
}
const item = document.getElementById("an-item-map");
if (item) draw(item, JSON.parse(item.dataset.geojson));
