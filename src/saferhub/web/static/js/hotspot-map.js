// Hotspot maps: ward boundaries (from the hub's area file) and hotspot cells as GeoJSON
// (EPSG:4326) on a Leaflet map. Works with no tile server; tiles only when the hub set one.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (answer) {
        if (!answer.ok) throw new Error("HTTP " + answer.status);
        return answer.json();
      }
    );
  }

  function label(props) {
    var bits = [];
    if (props.ward) bits.push(props.ward);
    if (props.count !== undefined && props.count !== null) bits.push(props.count + " events");
    if (props.neighbourhood_count !== undefined && props.neighbourhood_count !== null) {
      var around = props.neighbourhood_count + " with the 8 cells around";
      if (props.neighbourhood_needed !== undefined && props.neighbourhood_needed !== null) {
        around += " (at least " + props.neighbourhood_needed + " needed to be more than chance)";
      }
      bits.push(around);
    }
    if (props.gistar !== undefined && props.gistar !== null) bits.push("Gi* z " + props.gistar.toFixed(1));
    return bits.join(", ");
  }

  function draw(element) {
    element.textContent = "";
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: true, zoomSnap: 0.25 });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.getAttribute("data-tile-attribution") || "", maxZoom: 18 }).addTo(map);
    } else {
      element.classList.add("app-map--no-tiles");
    }
    var wards = L.geoJSON(null, {
      style: { color: "#505a5f", weight: 1, fill: true, fillColor: "#f3f2f1", fillOpacity: tiles ? 0 : 0.6 },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.ward, { sticky: true });
      },
    }).addTo(map);
    var cells = L.geoJSON(null, {
      style: { color: "#942514", weight: 1, fillColor: "#d4351c", fillOpacity: 0.7 },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(label(feature.properties), { sticky: true });
      },
    }).addTo(map);
    getJson(element.getAttribute("data-boundaries-url"))
      .then(function (doc) {
        wards.addData(doc);
        map.fitBounds(wards.getBounds(), { padding: [8, 8] });
        return getJson(element.getAttribute("data-hotspots-url"));
      })
      .then(function (doc) {
        cells.addData(doc);
        cells.bringToFront();
        element.setAttribute("data-ready", String(doc.features.length));
      })
      .catch(function () {
        element.setAttribute("data-ready", "error");
        var p = document.createElement("p");
        p.className = "govuk-error-message app-map__error";
        p.textContent = "The map could not be loaded. Try again later.";
        element.parentNode.insertBefore(p, element);
      });
  }

  document.querySelectorAll('[data-module="app-hotspot-map"]').forEach(draw);
})();
