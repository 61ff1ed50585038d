// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Quick exit: replace this page (so Back does not return here) with a neutral site.
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    var target = document.body.getAttribute("data-quick-exit") || "https://www.google.com/search?q=weather";
    try { sessionStorage.clear(); } catch (e) { /* storage may be disabled */ }
    document.title = "";
    document.body.innerHTML = "";
    window.location.replace(target);
  }

  var escPresses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    escPresses = escPresses.filter(function (t) { return now - t < 1500; });
    escPresses.push(now);
    if (escPresses.length >= 3 && document.getElementById("quick-exit")) { quickExit(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var exit = document.getElementById("quick-exit");
    if (exit) { exit.addEventListener("click", quickExit); }
  });

  // A network failure on an htmx request: say so plainly instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) {
      flash.innerHTML = "";
      var p = document.createElement("p");
      p.className = "notice notice-error";
      p.textContent = "We could not reach the portal. Please check your connection and try again.";
      flash.appendChild(p);
    }
  });
})();
