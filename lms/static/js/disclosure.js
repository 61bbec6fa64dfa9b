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

  // On a narrow screen the open menu lies over the page: Escape or a tap elsewhere folds it.
  // Focus returns to "Menu" only when it was inside the menu, so nothing else loses its place.
  function openMenu() {
    return wide.matches ? null : document.querySelector("details.menu[open]");
  }
  document.addEventListener("keydown", function (event) {
    var menu = openMenu();
    if (event.key !== "Escape" || !menu) { return; }
    var inside = menu.contains(document.activeElement);
    menu.open = false;
    if (inside) { menu.querySelector("summary").focus(); }
  });
  document.addEventListener("click", function (event) {
    var menu = openMenu();
    if (menu && !menu.contains(event.target)) { menu.open = false; }
  });
})();
