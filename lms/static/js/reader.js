// Counts the time a page is actually visible, for the learner's own record. Never a timer:
// nothing is shown and nothing happens when time passes. Works without it, too.
(function () {
  "use strict";
  var page = document.querySelector("[data-time-url]");
  if (!page) { return; }
  var url = page.getAttribute("data-time-url");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var field = document.querySelector("[data-seconds]");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var banked = 0;
  var reported = false;  // the first report also tells the server where the learner is

  function elapsed() {
    var now = Date.now();
    if (visibleSince !== null) { banked += now - visibleSince; visibleSince = now; }
    var seconds = Math.floor(banked / 1000);
    banked -= seconds * 1000;
    return seconds;
  }

  function report() {
    var seconds = elapsed();
    if (!navigator.sendBeacon || (seconds <= 0 && reported)) { return; }
    reported = true;
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("seconds", String(seconds));
    navigator.sendBeacon(url, data);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { report(); visibleSince = null; }
    else { visibleSince = Date.now(); }
  });
  window.addEventListener("pagehide", report);

  if (field && field.form) {
    field.form.addEventListener("submit", function () {
      field.value = String(elapsed());
      visibleSince = null;  // counted in the form; pagehide must not count it again
    });
  }
})();
