// The site menu and the filter bar fold away on narrow screens, each behind a button with aria-controls.
// Loaded in <head> so the "js" class is set before the first paint (without this script nothing folds), and it
// listens on the document, so a button works as soon as it is drawn, long before the charts' scripts have run.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var BUTTONS = "[data-menu-button], [data-filter-toggle]";

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", String(open));
    button.parentElement.classList.toggle("open", open);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(BUTTONS);
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    setOpen(button, open);
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (open && target && button.hasAttribute("data-menu-button")) {
      var first = target.querySelector("input, a");
      if (first) first.focus();
    }
  });

  // Escape closes the menu or filter bar the focus is in and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(BUTTONS).forEach(function (button) {
      if (button.getAttribute("aria-expanded") === "true" && button.parentElement.contains(document.activeElement)) {
        setOpen(button, false);
        button.focus();
      }
    });
  });

  // A box that scrolls is reachable by keyboard, so its hidden columns can be scrolled to without a mouse.
  function focusableScrollers() {
    document.querySelectorAll(".table-wrap, .scroll, .table").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
      if (!box.hasAttribute("tabindex") && (scrolls || !box.classList.contains("table"))) box.tabIndex = 0;
    });
  }
  document.addEventListener("DOMContentLoaded", focusableScrollers);
  window.addEventListener("resize", focusableScrollers);
})();
