// Builds GeoDjango's MapWidget from the JSON options its template renders (no inline script):
// the backdrop is the configured base map's tiles, or the districts' GeoJSON from our own API.
(function () {
  "use strict";

  function baseLayer(options) {
    if (options.basemap_url) {
      return new ol.layer.Tile({
        source: new ol.source.XYZ({url: options.basemap_url, attributions: options.basemap_attribution}),
      });
    }
    return new ol.layer.Vector({
      source: new ol.source.Vector({url: options.backdrop_url, format: new ol.format.GeoJSON()}),
      style: new ol.style.Style({stroke: new ol.style.Stroke({color: "#5b6770", width: 1})}),
    });
  }

  function start() {
    document.querySelectorAll("[data-geoportal-map-widget]").forEach(function (wrapper) {
      const source = document.getElementById(wrapper.dataset.geoportalMapWidget);
      const options = JSON.parse(source.textContent);
      options.base_layer = baseLayer(options);
      // The admin's own scripts and our tests reach the widget by its module name, as Django's template does.
      window[options.module] = new MapWidget(options);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
