// 长辈模式 (elder mode): larger type, stronger contrast, larger targets, nothing that moves.
//
// The choice lives in this browser only (localStorage), never in a cookie or the address: the
// server sends every reader the same bytes, so a shared cache can keep public pages. Loaded
// in <head> without `defer` so the class is on <html> before the first paint (no flash of the
// small page); a file, not an inline script, because the Content-Security-Policy allows none.
// Without JavaScript the toggle stays hidden; the browser's zoom and the system's "reduce
// motion" and "more contrast" settings (honoured by gongkai.css) still apply.
(function () {
  "use strict";
  var KEY = "gongkai-elder";
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (e) {
      return false; // storage refused (private mode, policy): the page as everyone gets it
    }
  }

  function remember(on) {
    try {
      if (on) {
        window.localStorage.setItem(KEY, "1");
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) {
      // Not kept, but still switched for this page.
    }
  }

  function apply(on) {
    root.classList.toggle("elder", on);
    var toggles = document.querySelectorAll("[data-elder-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  apply(stored());

  function wire() {
    var toggles = document.querySelectorAll("[data-elder-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].hidden = false;
      toggles[i].addEventListener("click", function () {
        var on = !root.classList.contains("elder");
        remember(on);
        apply(on);
      });
    }
    apply(root.classList.contains("elder"));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }

  // Another tab switched it: follow.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(event.newValue === "1");
    }
  });
})();
