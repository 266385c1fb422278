// A small map of one place: a marker on the hub's ward boundaries (no tiles unless the hub
// configured a tile server). Reads its position from the element's data attributes.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function wards(url) {
    if (!url) return Promise.resolve(null);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        return answer.ok ? answer.json() : null;
      })
      .catch(function () {
        return null;
      });
  }

  function draw(element) {
    var lat = parseFloat(element.getAttribute("data-latitude"));
    var lon = parseFloat(element.getAttribute("data-longitude"));
    if (isNaN(lat) || isNaN(lon)) return;
    var tiles = element.getAttribute("data-tile-url");
    element.textContent = "";
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], tiles ? 17 : 14);
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("app-map--no-tiles");
    }
    // Boundaries only without tiles: they give the place its bearings on a blank map.
    wards(tiles ? null : element.getAttribute("data-boundaries-url")).then(function (doc) {
      if (doc) {
        L.geoJSON(doc, {
          style: { color: "#505a5f", weight: 1, fillColor: "#f3f2f1", fillOpacity: 0.8 },
          onEachFeature: function (feature, layer) {
            if (feature.properties && feature.properties.ward) layer.bindTooltip(feature.properties.ward, { sticky: true });
          },
        }).addTo(map);
      }
      L.circleMarker([lat, lon], { radius: 9, color: "#0b0c0c", weight: 2, fillColor: "#d4351c", fillOpacity: 0.9 })
        .addTo(map)
        .bindTooltip("This place");
      map.invalidateSize();
      element.setAttribute("data-ready", doc ? "wards" : "marker");
    });
  }

  document.querySelectorAll('[data-module="app-place-map"]').forEach(draw);
})();
