// The search feature: one box for places, addresses, features and coordinates (controls/search.js).
import { SearchControl } from "./controls/search.js";

export function init(app) {
  app.map.addControl(new SearchControl({ url: app.config.urls.search || "/api/search", layers: app.config.layers }));
}
