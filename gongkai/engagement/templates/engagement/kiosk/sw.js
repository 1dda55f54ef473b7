{% load static %}/* The kiosk's service worker (served by engagement.views.kiosk_worker at the kiosk's scope).
   Pages of the kiosk: network first (fresh content, CSRF tokens that match the cookie), the
   last copy when the network is down or slow; static files: cache first (their names carry
   their content's hash in production). Receipts are never kept (shown once). Opinions and
   votes made offline are queued by the page (kiosk.js), not here. */
"use strict";

var VERSION = "{{ version|escapejs }}";
var SCOPE = "{{ scope|escapejs }}";
var PAGES = {{ pages_json|safe }};
var STATIC_PREFIX = "{% get_static_prefix %}";
var STATIC_FILES = ["{% static 'engagement/kiosk.css' %}", "{% static 'engagement/kiosk.js' %}", "{% static 'engagement/kiosk-icon.svg' %}"];
var PAGE_CACHE = "gongkai-kiosk-pages-" + SCOPE + "-" + VERSION;
var STATIC_CACHE = "gongkai-kiosk-static-" + VERSION;
var NETWORK_WAIT_MS = 5000;
var NOT_KEPT = /\/(receipt|send|vote|sw\.js)$/;
var OFFLINE_TEXT = "{{ offline_text|escapejs }}";

function keepPage(cache, url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (response.ok) return cache.put(url, response);
    return undefined;
  }).catch(function () { /* kept at the next visit */ });
}

self.addEventListener("install", function (event) {
  event.waitUntil(Promise.all([
    caches.open(PAGE_CACHE).then(function (cache) {
      return Promise.all(PAGES.map(function (url) { return keepPage(cache, url); }));
    }),
    caches.open(STATIC_CACHE).then(function (cache) {
      return Promise.all(STATIC_FILES.map(function (url) {
        return fetch(url).then(function (r) { return r.ok ? cache.put(url, r) : undefined; }).catch(function () {});
      }));
    })
  ]).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      var mine = name.indexOf("gongkai-kiosk-pages-" + SCOPE + "-") === 0 || name.indexOf("gongkai-kiosk-static-") === 0;
      return mine && name !== PAGE_CACHE && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil(caches.open(PAGE_CACHE).then(function (cache) {
    return Promise.all(data.urls.slice(0, 40).filter(function (url) {
      var u = new URL(url, self.location.href);
      return u.origin === self.location.origin && u.pathname.indexOf(SCOPE) === 0 && !NOT_KEPT.test(u.pathname);
    }).map(function (url) {
      return cache.match(url, { ignoreVary: true }).then(function (hit) { return hit || keepPage(cache, url); });
    }));
  }));
});

function offline() {
  return caches.open(PAGE_CACHE).then(function (cache) { return cache.match(SCOPE, { ignoreVary: true }); }).then(function (home) {
    return home || new Response(OFFLINE_TEXT, {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
    });
  });
}

function networkFirst(request) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    var network = fetch(request).then(function (response) {
      var path = new URL(request.url).pathname;
      if (response.ok && response.type === "basic" && !NOT_KEPT.test(path)) {
        cache.put(request, response.clone());
      }
      return response;
    });
    var slow = new Promise(function (resolve) {
      setTimeout(function () {
        cache.match(request, { ignoreVary: true }).then(function (hit) { if (hit) resolve(hit); });
      }, NETWORK_WAIT_MS);
    });
    return Promise.race([network, slow]).catch(function () {
      return cache.match(request, { ignoreVary: true }).then(function (hit) { return hit || offline(); });
    });
  });
}

function cacheFirst(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // A form posted while the network is down (looking up a code): the kiosk's home.
    if (request.mode === "navigate") event.respondWith(fetch(request).catch(offline));
    return;
  }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(cacheFirst(request));
    return;
  }
  if (url.pathname.indexOf(SCOPE) === 0 && !NOT_KEPT.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});
