/* The operator console: live progress of a GTFS import.
   The Celery task reports each step over the uploader's WebSocket (/ws/notifications/,
   messages {"type": "gtfs_import"}); whoever else watches, or when the socket is not there,
   the page polls the status fragment. Without JavaScript the page has a reload button. */
(function () {
  "use strict";

  function watchImport(box) {
    var id = box.getAttribute("data-import-id");
    var statusUrl = box.getAttribute("data-import-status");
    var finishedAtLoad = box.getAttribute("data-finished") === "1";
    if (finishedAtLoad) { return; }
    var live = document.querySelector("[data-import-live]");
    var done = false;

    function finish() {
      if (done) { return; }
      done = true;
      window.setTimeout(function () { window.location.reload(); }, 600);
    }

    function show(html) {
      if (!live) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("[data-import-status]");
      var current = live.querySelector("[data-import-status]");
      if (fresh && current) { current.replaceWith(fresh); }
      if (fresh && fresh.getAttribute("data-finished") === "1") { finish(); }
    }

    function poll() {
      if (done) { return; }
      fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html) { show(html); } })
        .catch(function () {})
        .then(function () { if (!done) { window.setTimeout(poll, 2000); } });
    }

    if ("WebSocket" in window) {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      try {
        var socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
        socket.addEventListener("message", function (event) {
          var data;
          try { data = JSON.parse(event.data); } catch (e) { return; }
          if (!data || data.type !== "gtfs_import" || !data.progress) { return; }
          if (String(data.progress.import) !== String(id)) { return; }
          /* The socket is faster than the poll: fetch the German fragment at once. */
          fetch(statusUrl, { credentials: "same-origin" })
            .then(function (response) { return response.ok ? response.text() : null; })
            .then(function (html) { if (html) { show(html); } })
            .catch(function () {});
        });
      } catch (e) { /* polling below still runs */ }
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-import-status]");
    if (box) { watchImport(box); }
  });
})();
