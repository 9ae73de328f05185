// Drill-down: a click on a bar opens what it stands for (the page filtered to it, or a customer's or product's
// page), as the server listed it in #drill; a click anywhere on a table row follows the link in its first cell,
// which is a real link, so the keyboard and screen readers reach it too.
(function () {
  "use strict";
  var data = document.getElementById("drill");
  var charts = data ? JSON.parse(data.textContent) : {};

  function target(links, point) {
    // Horizontal bars carry their label on y, the others on x; stacked bars by person name the person on x.
    var candidates = [point.y, point.x, point.label];
    for (var i = 0; i < candidates.length; i++) {
      var label = candidates[i];
      if (label != null && Object.prototype.hasOwnProperty.call(links, String(label))) return links[String(label)];
    }
    return null;
  }

  function listen(element, links, tries) {
    if (typeof element.on !== "function") {
      // The chart is not drawn yet: try again shortly.
      if (tries < 50) setTimeout(function () { listen(element, links, tries + 1); }, 100);
      return;
    }
    element.classList.add("drillable");
    element.on("plotly_click", function (event) {
      var href = event && event.points && event.points.length ? target(links, event.points[0]) : null;
      if (href) window.location.assign(href);
    });
  }

  Object.keys(charts).forEach(function (id) {
    var element = document.getElementById(id);
    if (element) listen(element, charts[id], 0);
  });

  // Rows whose first cell links somewhere open it on a click anywhere in the row; static/js/refresh.js calls this
  // again for the rows of a re-read page.
  function rowLinks() {
    document.querySelectorAll("table a[data-drill]").forEach(function (link) {
      var row = link.closest("tr");
      if (!row || row.classList.contains("drill-row")) return;
      row.classList.add("drill-row");
      row.style.cursor = "pointer";
      row.title = "Open " + link.textContent.trim();
      row.addEventListener("click", function (event) {
        // A click on the link itself, or with a modifier (new tab), is the browser's to handle.
        if (event.target.closest("a") || event.ctrlKey || event.metaKey || event.shiftKey) return;
        window.location.assign(link.href);
      });
    });
  }
  window.ElettroDrill = { rowLinks: rowLinks };
  rowLinks();
})();
