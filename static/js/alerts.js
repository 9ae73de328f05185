// The alert rule form's "Try it": posts the form as typed to the backtest and shows the answer under the form.
// Nothing is saved; the server answers a fragment it has escaped, so it can go in as HTML.
(function () {
  "use strict";
  var form = document.getElementById("rule-form");
  var button = document.getElementById("try-rule");
  var out = document.getElementById("backtest");
  if (!form || !button || !out) return;
  button.hidden = false;  // without this script the button could do nothing, so it stays hidden
  button.addEventListener("click", function () {
    button.disabled = true;
    out.setAttribute("aria-busy", "true");
    out.innerHTML = '<p class="muted">Trying the rule on the last 12 months…</p>';
    fetch(button.getAttribute("data-url"), {
      method: "POST",
      body: new FormData(form),  // carries the CSRF token with the fields
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.status !== 200 && response.status !== 400) throw new Error(String(response.status));
        out.innerHTML = text;
      });
    }).catch(function () {
      out.innerHTML = '<p class="error">The rule could not be tried just now. Please try again.</p>';
    }).finally(function () {
      button.disabled = false;
      out.removeAttribute("aria-busy");
    });
  });
})();
