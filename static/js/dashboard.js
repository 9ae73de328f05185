// Draws the page's Plotly figures (built on the server) and keeps the filter bar simple to use.
(function () {
  "use strict";
  var data = document.getElementById("figures");
  var figures = data ? JSON.parse(data.textContent) : [];
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  figures.forEach(function (item) {
    var element = document.getElementById(item.id);
    if (element && window.Plotly) {
      window.Plotly.newPlot(element, item.figure.data, item.figure.layout, config).then(function () {
        element.setAttribute("data-drawn", "1");
      });
    }
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
