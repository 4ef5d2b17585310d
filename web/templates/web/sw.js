/* Service worker: "Meine Fahrten" stays readable offline. Network first; the last copy of
   the page is kept on this device and shown when there is no connection. */
"use strict";
var CACHE = "lindenau-v1";
var OFFLINE_PAGES = {{ offline_pages|safe }};
var ASSETS = {{ assets|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (OFFLINE_PAGES.indexOf(url.pathname) !== -1) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (cached) { return cached || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (cached) { return cached || fetch(request); }));
  }
});
