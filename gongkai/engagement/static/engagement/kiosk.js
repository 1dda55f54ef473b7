/* The kiosk (触摸屏) in a service hall: full screen, back home after a while without a touch,
   the newest items in turn while idle, and an outbox that never loses an opinion or a vote.

   Every opinion and vote gets a key (a UUID) drawn here and is written to IndexedDB before it
   is sent; it leaves the outbox only when the server has answered it (stored, or refused for
   good). Sent again on the `online` event, on every page load and every 15 seconds; the server
   stores a key once, so a replay (an answer lost on the way back) returns the same tracking
   code. A refusal by the guard (too many, or a question to answer) keeps it queued.
   All the words shown come from data attributes of the page, translated by Django. */
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.classList.contains("kiosk")) return;
  var conf = body.dataset;
  var statusBox = document.getElementById("kiosk-status");
  var words = statusBox ? statusBox.dataset : {};
  var RETRY_MS = 15000;
  var CHALLENGE_WAIT_MS = 5 * 60 * 1000;

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  /* One message in the status box; `add` keeps the ones shown (several queued items sent). */
  function say(text, kind, add) {
    if (!statusBox) return;
    if (!add || statusBox.hidden) statusBox.textContent = "";
    // What was waiting is no longer waiting once something is sent.
    statusBox.querySelectorAll("p[data-kind=queued]").forEach(function (old) { old.remove(); });
    statusBox.hidden = false;
    statusBox.className = "kiosk-status" + (kind ? " " + kind : "");
    var line = document.createElement("p");
    line.textContent = text;
    line.dataset.kind = kind || "";
    statusBox.appendChild(line);
  }

  function newKey() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* --- the outbox (IndexedDB) ------------------------------------------------------------- */

  var DB_NAME = "gongkai-kiosk";
  var STORE = "outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function keep(item) { return withStore("readwrite", function (s) { return s.put(item); }); }
  function drop(key) { return withStore("readwrite", function (s) { return s.delete(key); }); }
  function queued() { return withStore("readonly", function (s) { return s.getAll(); }); }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (field && field.value) || conf.csrf || "";
  }

  /* One sending: resolves {status, data}; rejects when the network is down. */
  function send(item, extra) {
    var token = csrfToken();
    var headers = { "X-CSRFToken": token };
    if (item.guardToken) {
      headers["X-Guard-Token"] = item.guardToken;
      headers["X-Guard-Answer"] = item.guardAnswer || "";
    }
    var body;
    if (item.type === "form") {
      // A page's own form (the consultation's opinion), posted as the form would be.
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      var fields = new URLSearchParams(item.form);
      fields.set("csrfmiddlewaretoken", token);
      body = fields.toString();
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(Object.assign({}, item.body, extra || {}));
    }
    return fetch(item.url, {
      method: "POST",
      headers: headers,
      body: body,
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (item.type === "form") {
        return response.text().then(function (html) {
          return { status: response.status, data: fromPage(html) };
        });
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  /* What a form's page answered: the guard's question or the refusal (guard/challenge.html),
     the form's error. */
  function fromPage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var text = function (selector) {
      var el = doc.querySelector(selector);
      return el ? el.textContent.trim() : "";
    };
    var token = doc.querySelector("input[name=guard_token]");
    return {
      challenge: !!token,
      token: token ? token.value : "",
      question: text("label[for=guard-answer]"),
      detail: text("#guard-message") || text(".guard-challenge + .message, .message.error") || text(".errorlist")
    };
  }

  function sentText(item, data) {
    if (item.type === "vote") return fill(words.sentVote, { rating: data.rating_label || "" });
    if (item.type === "form") return words.sentForm || "";
    return fill(words.sentOpinion, { code: data.tracking_code_display || "" });
  }

  function showChallenge(item, data) {
    if (!statusBox) return;
    say((data.detail || "") + " " + (words.kept || ""), "refused");
    var box = document.createElement("div");
    box.className = "kiosk-challenge";
    var id = "kiosk-challenge-" + item.key;
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = data.question || "";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.inputMode = "numeric";
    input.autocomplete = "off";
    input.maxLength = 20;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "big-button";
    button.textContent = words.answer || "OK";
    button.addEventListener("click", function () {
      item.guardToken = data.token;
      item.guardAnswer = input.value;
      item.notBefore = 0;
      keep(item).then(function () { return deliver(item, false); });
    });
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(button);
    statusBox.appendChild(box);
  }

  /* What the server answered, for an item sent now (at the screen) or from the queue. */
  function settle(item, result, now) {
    var status = result.status;
    var data = result.data || {};
    if (status === 200 || status === 201) {
      return drop(item.key).then(function () {
        if (now && item.type === "opinion" && conf.kioskReceipt && status === 201) {
          window.location.assign(conf.kioskReceipt);
          return "sent";
        }
        say(sentText(item, data), "sent", !now);
        if (item.type === "vote") markVoted(data.rating_label);
        return "sent";
      });
    }
    if (status === 429) {
      item.guardToken = "";
      item.guardAnswer = "";
      var waitMs = data.challenge ? CHALLENGE_WAIT_MS : Math.max(60, data.retry_after || 60) * 1000;
      item.notBefore = Date.now() + waitMs;
      return keep(item).then(function () {
        if (data.challenge) showChallenge(item, data);
        else say((data.detail || "") + " " + (words.kept || ""), "refused");
        return "kept";
      });
    }
    if (status === 400 || status === 404) {
      // Refused for good (checked before it was queued, so rare): say why.
      return drop(item.key).then(function () {
        say((words.notSent || "") + " " + (data.detail || ""), "refused");
        return "refused";
      });
    }
    // 403 (an expired page's token), 5xx: kept, sent again with the next page's token.
    if (now) say(words.kept, "queued");
    return Promise.resolve("kept");
  }

  function deliver(item, now) {
    return send(item, now ? { now: true } : null).then(
      function (result) { return settle(item, result, now); },
      function () {
        if (now) {
          say(item.type === "vote" ? words.queuedVote : words.queuedOpinion, "queued");
          if (item.type === "vote") markVoted("");
        }
        return "queued";
      }
    );
  }

  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    flushing = queued().then(function (items) {
      var chain = Promise.resolve();
      (items || []).sort(function (a, b) { return (a.at || 0) - (b.at || 0); }).forEach(function (item) {
        if (item.notBefore && item.notBefore > Date.now() && !item.guardAnswer) return;
        chain = chain.then(function () { return deliver(item, false); });
      });
      return chain;
    }).catch(function () { /* no IndexedDB: nothing was queued */ }).then(function () {
      flushing = null;
    });
    return flushing;
  }

  /* Put in the outbox first (never lost), then send; offline it stays queued. */
  function post(item) {
    return keep(item).then(function () { return deliver(item, true); });
  }

  /* --- the forms ------------------------------------------------------------------------- */

  function markVoted(label) {
    document.querySelectorAll("form[data-outbox=vote] button").forEach(function (b) { b.disabled = true; });
  }

  function field(form, name) {
    var el = form.elements[name];
    if (!el) return "";
    if (el instanceof RadioNodeList) return el.value || "";
    return el.value || "";
  }

  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.indexedDB || !window.fetch) return; // the plain form does the work
      event.preventDefault();
      var keyField = form.elements.key;
      var key = (keyField && keyField.value) || newKey();
      if (keyField) keyField.value = key;
      var item;
      if (form.dataset.outbox === "vote") {
        var button = event.submitter;
        if (!button || !button.value) return;
        item = {
          key: key, type: "vote", url: conf.kioskVote, at: Date.now(),
          body: { key: key, code: field(form, "code"), rating: button.value }
        };
      } else {
        var text = field(form, "text");
        if (!text.trim()) { form.submit(); return; } // the server says what is missing
        item = {
          key: key, type: "opinion", url: conf.kioskSend, at: Date.now(),
          body: {
            key: key, kind: field(form, "kind"), text: text,
            sender_contact: field(form, "sender_contact"),
            item: field(form, "item"), disclosure: field(form, "disclosure")
          }
        };
      }
      var submitButtons = form.querySelectorAll("button[type=submit]");
      submitButtons.forEach(function (b) { b.disabled = true; });
      post(item).then(function (outcome) {
        if (item.type === "opinion" && outcome !== "refused") {
          // Sent or kept in the outbox: the next person at the screen finds an empty form.
          // Refused for good (too long, say): what was typed stays to be corrected.
          form.reset();
          if (keyField) keyField.value = "";
        }
      }, function () {
        submitButtons.forEach(function (b) { b.disabled = false; });
        form.submit();
      }).then(function () {
        if (item.type === "opinion") submitButtons.forEach(function (b) { b.disabled = false; });
      });
    });
  });

  // Looking up a code needs the network: offline it is not posted (a failed post would leave
  // the page).
  document.querySelectorAll("form[data-online-only]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine === false) {
        event.preventDefault();
        say(words.offlineTrack, "queued");
      }
    });
  });

  // The consultation's opinion form (portal) goes through the outbox as a form: a replay of
  // the same text is recognised by the guard's duplicate check (gongkai.guard.duplicates).
  document.querySelectorAll("form.opinion-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.indexedDB || !window.fetch || !field(form, "text").trim()) return;
      event.preventDefault();
      var fields = new URLSearchParams(new FormData(form));
      fields.delete("csrfmiddlewaretoken");
      fields.delete("guard_token");
      fields.delete("guard_answer");
      var key = newKey();
      var item = {
        key: key, type: "form", url: form.getAttribute("action") || window.location.pathname,
        at: Date.now(), form: fields.toString()
      };
      var guardToken = form.querySelector("input[name=guard_token]");
      if (guardToken) {
        item.guardToken = guardToken.value;
        item.guardAnswer = field(form, "guard_answer");
      }
      post(item).then(function (outcome) {
        if (outcome !== "refused") {
          form.reset();
          var challengeBox = form.querySelector(".guard-challenge");
          if (challengeBox) challengeBox.remove();
        }
      }, function () { form.submit(); });
    });
  });

  window.addEventListener("online", flush);
  window.setInterval(flush, RETRY_MS);
  flush();

  /* --- full screen ----------------------------------------------------------------------- */

  var fsButton = document.querySelector(".kiosk-fullscreen");
  var root = document.documentElement;
  if (fsButton && document.fullscreenEnabled) {
    fsButton.hidden = false;
    var label = function () {
      fsButton.textContent = document.fullscreenElement ? fsButton.dataset.leave : fsButton.dataset.enter;
    };
    fsButton.addEventListener("click", function () {
      if (document.fullscreenElement) {
        try { window.sessionStorage.removeItem("kioskFullscreen"); } catch (e) { /* private mode */ }
        document.exitFullscreen().catch(function () {});
      } else {
        try { window.sessionStorage.setItem("kioskFullscreen", "1"); } catch (e) { /* private mode */ }
        root.requestFullscreen().catch(function () {});
      }
    });
    document.addEventListener("fullscreenchange", label);
    // A new page leaves full screen; the first touch on it goes back (a gesture is needed).
    document.addEventListener("pointerdown", function () {
      var wanted = false;
      try { wanted = window.sessionStorage.getItem("kioskFullscreen") === "1"; } catch (e) { /* */ }
      if (wanted && !document.fullscreenElement) root.requestFullscreen().catch(function () {});
    }, { capture: true });
  }

  // Nothing is dragged away (a link or a picture) on a touch screen.
  document.addEventListener("dragstart", function (event) { event.preventDefault(); });

  // A long press opens no menu on a touch screen.
  document.addEventListener("contextmenu", function (event) {
    if (!(event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement)) {
      event.preventDefault();
    }
  });

  /* --- the newest items in turn ---------------------------------------------------------- */

  function still() {
    return (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) ||
      root.classList.contains("no-motion") || body.classList.contains("no-motion") ||
      root.classList.contains("elder") || body.classList.contains("elder");
  }

  var carousel = (function () {
    var section = document.querySelector(".kiosk-carousel");
    if (!section) return null;
    var slides = Array.prototype.slice.call(section.querySelectorAll(".kiosk-slides > li:not(.empty)"));
    var size = parseInt(section.dataset.pageSize, 10) || 4;
    var pages = Math.ceil(slides.length / size);
    if (pages <= 1) return null;
    var pager = section.querySelector(".kiosk-pager");
    var indicator = section.querySelector(".kiosk-page");
    var pause = section.querySelector(".kiosk-pause");
    var current = 0;
    var timer = null;
    var stopped = false;
    section.classList.add("paged");
    pager.hidden = false;

    function show(n) {
      current = (n + pages) % pages;
      slides.forEach(function (li, i) { li.hidden = Math.floor(i / size) !== current; });
      indicator.textContent = fill(section.dataset.pageLabel, { n: current + 1, total: pages });
    }
    function stop() {
      if (timer) window.clearInterval(timer);
      timer = null;
      pause.hidden = true;
    }
    function start() {
      if (timer || stopped || still()) return;
      var seconds = parseInt(conf.rotateSeconds, 10) || 8;
      pause.hidden = false;
      pause.textContent = pause.dataset.pause;
      timer = window.setInterval(function () {
        if (still()) { stop(); return; }
        show(current + 1);
      }, seconds * 1000);
    }
    section.querySelector(".kiosk-prev").addEventListener("click", function () { stop(); show(current - 1); });
    section.querySelector(".kiosk-next").addEventListener("click", function () { stop(); show(current + 1); });
    pause.addEventListener("click", function () { stopped = true; stop(); });

    var list = section.querySelector(".kiosk-slides");
    var startX = null;
    var swiped = false;
    list.addEventListener("pointerdown", function (event) { startX = event.clientX; swiped = false; });
    list.addEventListener("pointerup", function (event) {
      if (startX === null) return;
      var dx = event.clientX - startX;
      startX = null;
      if (Math.abs(dx) > 60) {
        swiped = true;
        stop();
        show(current + (dx < 0 ? 1 : -1));
      }
    });
    list.addEventListener("pointercancel", function () { startX = null; });
    // A swipe that ends on an item does not open it.
    list.addEventListener("click", function (event) {
      if (swiped) { event.preventDefault(); swiped = false; }
    }, true);
    show(0);
    return { start: start, stop: stop };
  })();

  /* --- back home when nobody touches it ------------------------------------------------- */

  var idleSeconds = Math.max(10, parseInt(conf.idleSeconds, 10) || 90);
  var lastTouch = Date.now();
  var home = conf.kioskHome || "/";
  var atHome = window.location.pathname === home;

  function touched() {
    lastTouch = Date.now();
    if (carousel) carousel.stop();
  }
  ["pointerdown", "touchstart", "keydown", "input", "wheel"].forEach(function (name) {
    document.addEventListener(name, touched, { capture: true, passive: true });
  });
  window.setInterval(function () {
    if (Date.now() - lastTouch < idleSeconds * 1000) return;
    if (!atHome) {
      window.location.assign(home);
    } else if (carousel) {
      carousel.start();
    }
  }, 1000);

  /* --- the service worker: what the kiosk shows stays there through a network loss ------- */

  if ("serviceWorker" in navigator && conf.kioskWorker) {
    navigator.serviceWorker.register(conf.kioskWorker, { scope: home }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var links = Array.prototype.map.call(
        document.querySelectorAll("main a[href^='" + home + "']"),
        function (a) { return a.getAttribute("href"); }
      );
      if (registration.active && links.length) {
        registration.active.postMessage({ type: "keep", urls: links.slice(0, 40) });
      }
    }).catch(function () { /* not a secure context: the kiosk works without it */ });
  }

  window.gongkaiKiosk = { flush: flush, queued: queued, send: send, keep: keep, newKey: newKey };
})();
