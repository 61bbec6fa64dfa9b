// Opens the header menu and the course outline on wide screens, where there is room for them,
// and folds them back behind "Menu" and "Contents" on narrow ones. Without it they are plain
// <details> elements that open with a tap, a click, Enter or Space.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 50.0625rem)");
  var panels = document.querySelectorAll("details[data-wide-open]");
  if (!panels.length) { return; }
  // Lets the stylesheet hide the summaries on wide screens only once this script keeps them open.
  document.documentElement.classList.add("js-disclosure");

  function fit() {
    for (var i = 0; i < panels.length; i += 1) { panels[i].open = wide.matches; }
  }
  fit();
  if (wide.addEventListener) { wide.addEventListener("change", fit); }

  // Escape folds an open menu on a narrow screen and leaves focus on its summary.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || wide.matches) { return; }
    var open = document.querySelector("details.menu[open]");
    if (!open) { return; }
    open.open = false;
    open.querySelector("summary").focus();
  });
})();
