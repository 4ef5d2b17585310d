/* Mobil in Lindenau: small enhancements. Every page works without this file. */
(function () {
  "use strict";
  var script = document.currentScript;

  /* A form that failed: move focus to the summary so screen readers announce it. */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  /* Live notifications over the WebSocket the API already offers; without it the badge
     simply shows what the server counted when the page was rendered. */
  function startNotifications(path, texts) {
    if (!path || !("WebSocket" in window)) { return; }
    var badge = document.querySelector("[data-notification-badge]");
    var count = document.querySelector("[data-notification-count]");
    var live = document.querySelector("[data-live-region]");
    var list = document.querySelector("[data-notification-list]");
    var retry = 1000;
    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket;
      try { socket = new WebSocket(scheme + window.location.host + path); } catch (e) { return; }
      socket.addEventListener("open", function () { retry = 1000; });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        var note = data.notification || data;
        if (!note || !note.kind) { return; }
        if (count && badge) {
          count.textContent = String((parseInt(count.textContent, 10) || 0) + 1);
          badge.hidden = false;
        }
        var text = texts[note.kind] || texts[""] || "Neue Nachricht";
        if (live) { live.textContent = text; }
        if (list) {
          var item = document.createElement("li");
          item.className = "notification unread";
          var p = document.createElement("p");
          p.textContent = text;
          item.appendChild(p);
          list.insertBefore(item, list.firstChild);
          var empty = document.querySelector("[data-notification-empty]");
          if (empty) { empty.hidden = true; }
        }
      });
      socket.addEventListener("close", function (event) {
        if (event.code === 4401 || event.code === 4403) { return; }
        window.setTimeout(connect, retry);
        retry = Math.min(retry * 2, 60000);
      });
    }
    connect();
  }

  /* "Meine Fahrten" offline: the service worker keeps the last copy of that page. */
  function registerServiceWorker(url) {
    if (!url || !("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {});
  }

  /* Signing out removes the offline copy of personal pages from this device. */
  function clearOfflineCopiesOnLogout() {
    document.querySelectorAll("form[data-logout]").forEach(function (form) {
      form.addEventListener("submit", function () {
        if ("caches" in window) {
          caches.keys().then(function (keys) { keys.forEach(function (key) { caches.delete(key); }); });
        }
      });
    });
  }

  /* The search's "Datum/Uhrzeit" only matter for "Abfahrt um"/"Ankunft bis". */
  function toggleWhen() {
    var radios = document.querySelectorAll("input[name='when']");
    var row = document.querySelector("[data-when-fields]");
    if (!radios.length || !row) { return; }
    function update() {
      var checked = document.querySelector("input[name='when']:checked");
      row.hidden = !checked || checked.value === "now";
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  /* The search form (htmx) replaces the results region in place: a form with errors comes back
     as a 400 that must be shown too; afterwards focus moves to the results heading (or the
     error summary) and the live region says how many connections were found. */
  function enhanceSearchResults() {
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (event.detail.xhr.status === 400 && elt && elt.matches && elt.matches("[data-search-form]")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (!elt || !elt.matches || !elt.matches("[data-search-form]")) { return; }
      var live = document.querySelector("[data-live-region]");
      var summary = document.querySelector("[data-error-summary]");
      var heading = document.querySelector("[data-results-heading]");
      if (summary) {  /* the form came back with errors (its role="alert" announces them) */
        toggleWhen();
        summary.focus();
      } else if (heading) {
        heading.focus();
        if (live) {
          var text = heading.getAttribute("data-announce") || heading.textContent;
          live.textContent = "";  /* the same count twice in a row is announced again */
          window.setTimeout(function () { live.textContent = text; }, 50);
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceSearchResults();
    focusErrorSummary();
    toggleWhen();
    clearOfflineCopiesOnLogout();
    if (script) {
      var texts = {};
      try { texts = JSON.parse(script.getAttribute("data-notification-texts") || "{}"); } catch (e) { texts = {}; }
      startNotifications(script.getAttribute("data-notifications-socket"), texts);
      registerServiceWorker(script.getAttribute("data-service-worker"));
    }
  });
})();
