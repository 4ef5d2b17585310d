/*
 * The platform's map: Leaflet (served from this server) drawing the platform's own data.
 *
 * Markup (no inline script; everything through data attributes):
 *
 *   <div data-map
 *        data-layers="roads stops lines meeting_points stations"   which layers to draw
 *        data-geojson-base="/karte/"             layer URLs are <base><layer>.geojson
 *        data-tile-url=""                         optional tile server of the operator's own
 *        data-tile-attribution=""                 its attribution
 *        data-attribution="…"                     attribution of the road data (OSM, ODbL)
 *        data-journey-geojson="{…}"              optional: a GeoJSON journey to draw and fit
 *        data-focus="station-3"                   optional: feature id to centre on
 *        data-zoom-in="…" data-zoom-out="…"      the zoom buttons' names, translated
 *        aria-label="…"></div>
 *
 * The map is a supplement: every feature it shows is also listed as text on the page, and a
 * skip link before it jumps past it. Without JavaScript the element stays empty and hidden.
 */
(function () {
  "use strict";

  var STYLES = {
    roads: { color: "#8a8f98", weight: 2, opacity: 0.9, interactive: false },
    lines: { weight: 4, opacity: 0.85 },
    journey: { color: "#b3261e", weight: 6, opacity: 0.95 },
  };
  var POINTS = {
    stops: { radius: 6, color: "#0b4f6c", fillColor: "#ffffff", fillOpacity: 1, weight: 3 },
    buergerbus: { radius: 6, color: "#6a3d9a", fillColor: "#ffffff", fillOpacity: 1, weight: 3 },
    meeting_points: { radius: 6, color: "#1b7837", fillColor: "#d9f0d3", fillOpacity: 1, weight: 3 },
    stations: { radius: 9, color: "#7a4100", fillColor: "#fdb863", fillOpacity: 1, weight: 3 },
  };

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }

  function popupFor(props) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = props.name || "";
    box.appendChild(name);
    if (props.address) {
      box.appendChild(document.createElement("br"));
      box.appendChild(text(props.address));
    }
    if (props.kind) {
      box.appendChild(document.createElement("br"));
      box.appendChild(text(props.kind));
    }
    if (props.url) {
      box.appendChild(document.createElement("br"));
      var link = document.createElement("a");
      link.href = props.url;
      link.textContent = props.link_text || props.name;
      box.appendChild(link);
    }
    return box;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(
      function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      }
    );
  }

  function pointLayer(data, style) {
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var props = feature.properties || {};
        var chosen = style === "stops" && props.buergerbus ? POINTS.buergerbus : POINTS[style];
        return L.circleMarker(latlng, chosen);
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties || {};
        layer.bindTooltip(props.name || "");
        layer.bindPopup(popupFor(props));
      },
    });
  }

  function lineLayer(data) {
    return L.geoJSON(data, {
      style: function (feature) {
        var props = feature.properties || {};
        return { color: props.color || "#0b4f6c", weight: STYLES.lines.weight, opacity: STYLES.lines.opacity };
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties || {};
        layer.bindTooltip(props.name || "", { sticky: true });
      },
    });
  }

  /* The road network is fetched per zoom level (the server simplifies it to about a pixel);
     from zoom 10 on only the part in view (padded, on a 0.02° grid so URLs repeat and caches hit). */
  function roadLoader(map, base) {
    var layer = L.geoJSON(null, { style: STYLES.roads, interactive: false }).addTo(map);
    var lastUrl = null;
    var timer = null;
    function load() {
      var zoom = Math.max(8, Math.min(16, Math.round(map.getZoom())));
      var url = base + "roads.geojson?z=" + zoom;
      if (zoom >= 10) {
        var b = map.getBounds().pad(0.25);
        var snap = function (v, up) {
          return (up ? Math.ceil(v / 0.02) : Math.floor(v / 0.02)) * 0.02;
        };
        url +=
          "&bbox=" +
          [snap(b.getWest()), snap(b.getSouth()), snap(b.getEast(), true), snap(b.getNorth(), true)]
            .map(function (v) {
              return v.toFixed(2);
            })
            .join(",");
      }
      if (url === lastUrl) return;
      lastUrl = url;
      getJSON(url)
        .then(function (data) {
          if (url !== lastUrl) return;
          layer.clearLayers();
          layer.addData(data);
          layer.bringToBack();
        })
        .catch(function () {
          lastUrl = null;
        });
    }
    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 150);
    });
    return load;
  }

  function init(element) {
    if (typeof L === "undefined" || element.dataset.mapReady) return;
    element.dataset.mapReady = "1";
    element.hidden = false;
    var base = element.dataset.geojsonBase || "/karte/";
    var layers = (element.dataset.layers || "").split(/[\s,]+/).filter(Boolean);
    var map = L.map(element, { zoomControl: false, attributionControl: false, minZoom: 6, maxZoom: 18, zoomSnap: 0.25 });
    /* the zoom buttons in the page's language (Leaflet's own titles are English) */
    L.control
      .zoom({ zoomInTitle: element.dataset.zoomIn || "Zoom in", zoomOutTitle: element.dataset.zoomOut || "Zoom out" })
      .addTo(map);
    element.webmap = map; /* for page scripts that add to the map (stop-picker.js) */
    var attribution = L.control.attribution({ prefix: "Leaflet" }).addTo(map);
    if (element.dataset.attribution) attribution.addAttribution(element.dataset.attribution);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution || "",
        maxZoom: 18,
      }).addTo(map);
    }
    var bounds = L.latLngBounds([]);
    var focusId = element.dataset.focus || "";
    var focusLatLng = null;
    var pending = [];
    var loaded = {};
    var loadRoads = null;
    if (layers.indexOf("roads") !== -1) loadRoads = roadLoader(map, base);
    layers.forEach(function (name) {
      if (name === "roads") return;
      pending.push(
        getJSON(base + name + ".geojson").then(function (data) {
          var layer = name === "lines" ? lineLayer(data) : pointLayer(data, name);
          layer.addTo(map);
          loaded[name] = layer;
          (data.features || []).forEach(function (feature) {
            if (feature.id === focusId && feature.geometry && feature.geometry.type === "Point") {
              focusLatLng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
            }
          });
          if (layer.getLayers().length) bounds.extend(layer.getBounds());
        })
      );
    });
    var journeyBounds = null;
    var journeySource = element.dataset.journeyGeojson;
    if (journeySource) {
      try {
        var journey = L.geoJSON(JSON.parse(journeySource), {
          style: function (feature) {
            var mode = (feature.properties || {}).mode;
            return mode === "walk"
              ? { color: "#374151", weight: 4, opacity: 0.9, dashArray: "4 8" }
              : STYLES.journey;
          },
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 7, color: STYLES.journey.color, fillOpacity: 1 });
          },
          onEachFeature: function (feature, layer) {
            var props = feature.properties || {};
            if (props.from || props.to) layer.bindTooltip((props.from || "") + " → " + (props.to || ""), { sticky: true });
          },
        }).addTo(map);
        if (journey.getLayers().length) journeyBounds = journey.getBounds();
      } catch (error) {
        /* a broken journey leaves the rest of the map usable */
      }
    }
    Promise.all(
      pending.map(function (p) {
        return p.catch(function () {});
      })
    ).then(function () {
      // Whatever arrived first, draw in a fixed order: lines, stops, meeting points, stations on top.
      ["lines", "stops", "meeting_points", "stations"].forEach(function (name) {
        if (loaded[name]) loaded[name].bringToFront();
      });
      if (journeyBounds) {
        map.fitBounds(journeyBounds.pad(0.1), { maxZoom: 16 });
      } else if (focusLatLng) {
        map.setView(focusLatLng, 15);
      } else if (bounds.isValid()) {
        map.fitBounds(bounds.pad(0.1), { maxZoom: 15 });
      } else {
        map.setView([51.0, 10.0], 6);
      }
      if (loadRoads) loadRoads();
      element.dataset.mapLoaded = "1";
      element.dispatchEvent(new CustomEvent("webmap:loaded", { detail: { map: map } }));
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("[data-map]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      initAll(document);
    });
  } else {
    initAll(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    initAll(event.target);
  });
})();
