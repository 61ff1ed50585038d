// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Quick exit: end the session on the server (a beacon, so leaving is not delayed), blank
  // this page and replace it (so Back does not return here) with a neutral site.
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    var body = document.body;
    var target = body.getAttribute("data-quick-exit") || "https://www.google.com/search?q=weather";
    var beacon = body.getAttribute("data-exit-beacon");
    try { if (beacon && navigator.sendBeacon) { navigator.sendBeacon(beacon); } } catch (e) { /* leave anyway */ }
    try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage may be disabled */ }
    document.title = "";
    body.innerHTML = "";
    window.location.replace(target);
  }

  // A page brought back from the back-forward cache is asked for again: after a quick exit or
  // a sign-out the server then answers with the sign-in page, never the private one.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { document.body.innerHTML = ""; window.location.reload(); }
  });

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

  // Participant steps: after htmx swaps a step or a confirmation in, move focus to the first
  // field with an error, or else to the new heading, so keyboard and screen-reader users
  // land where the page changed (and see it on a phone).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || (target.id !== "wizard" && target.id !== "home-actions")) { return; }
    var region = document.getElementById(target.id);
    if (!region) { return; }
    var focus = region.querySelector("[aria-invalid='true']") || region.querySelector("[data-focus-on-swap]");
    if (focus) {
      focus.focus();
      if (focus.scrollIntoView) { focus.scrollIntoView({ block: "center" }); }
    }
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

// Volunteers: with htmx running, the availability grid saves cell by cell, so the
// no-JavaScript "Save" button and hint give way to the in-place hint.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) { document.documentElement.classList.add("js-htmx"); }
  });
})();
