// Draws the page's Plotly figures (built on the server) and keeps the filter bar simple to use.
(function () {
  "use strict";
  var data = document.getElementById("figures");
  var figures = data ? JSON.parse(data.textContent) : [];
  // On a phone the toolbar would sit over the data, so it is left out; on a desktop it shows on hover.
  var narrow = window.matchMedia("(max-width: 640px)");
  function config() {
    return {
      displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"],
      displayModeBar: narrow.matches ? false : "hover"
    };
  }
  var LABEL = 18;  // characters of a category name a phone shows on an axis; the hover keeps the whole name
  function short(text) { return text.length > LABEL ? text.slice(0, LABEL - 1) + "\u2026" : text; }
  // The names on a category axis (the customers of a bar chart), when some are too long for a phone.
  function longNames(data, letter) {
    var names = [];
    for (var i = 0; i < data.length; i++) {
      var values = data[i][letter];
      if (!Array.isArray(values)) return null;
      for (var j = 0; j < values.length; j++) {
        if (typeof values[j] !== "string" || /^\d{4}-\d{2}/.test(values[j])) return null;
        if (names.indexOf(values[j]) < 0) names.push(values[j]);
      }
    }
    return names.some(function (name) { return name.length > LABEL; }) ? names : null;
  }
  // Narrow screens get small margins that grow only as far as the axis labels need, and shorter names.
  function fitted(layout, data) {
    if (!narrow.matches) return layout;
    var margin = layout.margin || {};
    var out = Object.assign({}, layout, {
      margin: { l: 10, r: 10, t: Math.min(margin.t == null ? 20 : margin.t, 20), b: 10 },
      xaxis: Object.assign({ automargin: true }, layout.xaxis),
      yaxis: Object.assign({ automargin: true }, layout.yaxis),
      legend: Object.assign({}, layout.legend, { orientation: "h", x: 0, y: -0.15, yanchor: "top" })
    });
    ["x", "y"].forEach(function (letter) {
      var names = longNames(data || [], letter);
      if (!names) return;
      out[letter + "axis"] = Object.assign({}, out[letter + "axis"], {
        tickmode: "array", tickvals: names, ticktext: names.map(short)
      });
      var other = letter === "x" ? "yaxis" : "xaxis";
      out[other] = Object.assign({ nticks: 4 }, out[other]);
    });
    return out;
  }
  var drawn = {};  // chart element id -> {element, layout as the server built it}
  // Draws each figure into its element, or redraws it in place when it is there already (static/js/refresh.js
  // calls this with a re-read page's figures).
  function draw(list) {
    if (!window.Plotly) return;
    list.forEach(function (item) {
      var element = document.getElementById(item.id);
      if (!element) return;
      var layout = item.figure.layout || {};
      var again = element.getAttribute("data-drawn") === "1" && element.data;
      drawn[item.id] = { element: element, layout: layout };
      var plot = again ? window.Plotly.react : window.Plotly.newPlot;
      plot(element, item.figure.data, fitted(layout, item.figure.data), config()).then(function () {
        element.setAttribute("data-drawn", "1");
      });
    });
  }
  window.ElettroCharts = { draw: draw };
  draw(figures);
  // Turning a phone or resizing a window across the breakpoint draws the charts for the new width.
  narrow.addEventListener("change", function () {
    Object.keys(drawn).forEach(function (id) {
      var chart = drawn[id];
      window.Plotly.react(chart.element, chart.element.data, fitted(chart.layout, chart.element.data), config());
    });
  });

  var form = document.getElementById("filter-bar");
  if (!form) return;
  var preset = document.getElementById("preset");
  var from = document.getElementById("from");
  var to = document.getElementById("to");
  // A preset names its own dates; typing a date makes the period custom.
  preset.addEventListener("change", function () {
    if (preset.value !== "custom") { from.value = ""; to.value = ""; }
    form.requestSubmit();
  });
  [from, to].forEach(function (input) {
    input.addEventListener("change", function () { preset.value = "custom"; });
  });
  form.querySelectorAll("select[data-filter]").forEach(function (select) {
    select.addEventListener("change", function () { form.requestSubmit(); });
  });
  form.addEventListener("submit", function () {
    // Empty fields stay out of the URL, so shared links are short.
    form.querySelectorAll("input, select").forEach(function (field) {
      if (!field.value) field.disabled = true;
    });
    if (preset.value !== "custom") { from.disabled = true; to.disabled = true; }
  });
})();
