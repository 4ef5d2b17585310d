/*
 * The Bürgerbus stop form's map: click to place the stop, drag the marker to move it.
 *
 *   <p data-stop-picker data-map-id="bb-karte"            the {% webmap %} element's id
 *      data-lat-field="id_…-lat" data-lon-field="id_…-lon" the coordinate inputs it fills
 *      data-hint-url="/betrieb/…/lage/"                    nearest road and stop (JSON {"hint"})
 *      data-stop-id="12"                                   optional: the stop being edited
 *      role="status" aria-live="polite">…</p>               the hint, announced when it changes
 *
 * The coordinate fields stay the way to place a stop by keyboard (and without JavaScript);
 * typing in them moves the marker, and every new position asks the server for the hint.
 */
(function () {
  "use strict";

  var DIGITS = 6; /* about 0.1 m: more than a stop needs, less than a float prints */

  function setup(box) {
    var element = document.getElementById(box.dataset.mapId);
    var latInput = document.getElementById(box.dataset.latField);
    var lonInput = document.getElementById(box.dataset.lonField);
    if (!element || !latInput || !lonInput || typeof L === "undefined") return;
    var marker = null;
    var hintTimer = null;

    function current() {
      var lat = parseFloat(String(latInput.value).replace(",", "."));
      var lon = parseFloat(String(lonInput.value).replace(",", "."));
      if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
      return L.latLng(lat, lon);
    }

    function askHint(latlng) {
      window.clearTimeout(hintTimer);
      hintTimer = window.setTimeout(function () {
        var url = box.dataset.hintUrl + "?lat=" + latlng.lat.toFixed(DIGITS) + "&lon=" + latlng.lng.toFixed(DIGITS);
        if (box.dataset.stopId) url += "&haltestelle=" + encodeURIComponent(box.dataset.stopId);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.json();
          })
          .then(function (data) {
            if (data && data.hint) box.textContent = data.hint;
          })
          .catch(function () {});
      }, 200);
    }

    function place(latlng, fromMap) {
      var map = element.webmap;
      if (!marker) {
        var icon = L.divIcon({ className: "stop-picker-marker", iconSize: [22, 22], iconAnchor: [11, 11] });
        marker = L.marker(latlng, { draggable: true, keyboard: false, icon: icon });
        marker.on("dragend", function () {
          place(marker.getLatLng(), true);
        });
        marker.addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
      if (fromMap) {
        latInput.value = latlng.lat.toFixed(DIGITS);
        lonInput.value = latlng.lng.toFixed(DIGITS);
        latInput.dispatchEvent(new Event("change", { bubbles: true }));
      }
      element.dataset.stopLat = latlng.lat.toFixed(DIGITS);
      element.dataset.stopLon = latlng.lng.toFixed(DIGITS);
      askHint(latlng);
    }

    function start(map) {
      var at = current();
      if (at) {
        place(at, false);
        map.setView(at, Math.max(map.getZoom() || 15, 15));
      }
      map.on("click", function (event) {
        place(event.latlng, true);
      });
      [latInput, lonInput].forEach(function (input) {
        input.addEventListener("input", function () {
          var latlng = current();
          if (latlng) place(latlng, false);
        });
      });
      element.dataset.stopPicker = "ready";
    }

    if (element.dataset.mapLoaded && element.webmap) {
      start(element.webmap);
    } else {
      element.addEventListener("webmap:loaded", function (event) {
        start(event.detail.map);
      });
    }
  }

  function setupAll() {
    document.querySelectorAll("[data-stop-picker]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
