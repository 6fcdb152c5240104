#!/usr/bin/env bash
# Copy pinned third-party browser code from frontend/node_modules into our static files,
# so that pages load nothing from outside the server.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
out=static/frontend/vendor
rm -rf "$out"
mkdir -p "$out"/{leaflet,vectorgrid,geoman,markercluster,chartjs,ol}
cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images "$out/leaflet/"
cp node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js "$out/vectorgrid/"
cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css "$out/geoman/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css "$out/markercluster/"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chartjs/"
cp node_modules/ol/dist/ol.js node_modules/ol/ol.css "$out/ol/"
# Source maps the files name, so that static-file hashing can resolve every reference.
for f in $(find "$out" -name '*.js' -o -name '*.css'); do
  ref=$(grep -oE 'sourceMappingURL=[^ *]+' "$f" | tail -1 | cut -d= -f2 || true)
  [ -n "$ref" ] || continue
  src=$(find node_modules -name "$ref" | head -1)
  if [ -n "$src" ]; then cp "$src" "$(dirname "$f")/"; else sed -i '/sourceMappingURL=/d' "$f"; fi
done
# Licences travel with the code.
for pkg in leaflet leaflet.vectorgrid @geoman-io/leaflet-geoman-free leaflet.markercluster chart.js ol; do
  for f in node_modules/$pkg/LICEN[CS]E*; do [ -f "$f" ] && cp "$f" "$out/LICENSE.$(basename "$pkg")"; done
done
echo "vendored into frontend/$out"
