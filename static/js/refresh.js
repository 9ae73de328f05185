// Keeps an open dashboard current. It asks the server every few seconds (data-poll-seconds, only while the tab is
// visible) for the figures' stamp; when it moves (an upload or a scheduled import changed them), it fetches this
// same URL and swaps the cards, panels and charts in place: the scroll position, open tables and the filter bar
// stay as they are. The Refresh button does the same at once. Every request gives up after TIMEOUT, and failures
// wait longer and longer before the next try, quietly. Without JavaScript the button is a plain form POST.
(function () {
  "use strict";
  var form = document.getElementById("freshness");
  if (!form || !window.fetch || !window.AbortController || !window.DOMParser) return;
  var label = form.querySelector("[data-updated]");
  var button = form.querySelector("[data-refresh]");
  var every = Math.max(1, parseInt(form.getAttribute("data-poll-seconds"), 10) || 25) * 1000;
  var TIMEOUT = 10000;
  var LONGEST_WAIT = 5 * 60 * 1000;
  var WHILE_REFRESHING = 3000;
  var stamp = form.getAttribute("data-stamp");
  var wait = every;
  var timer = null;
  var busy = false;

  // A request that gives up after TIMEOUT, the body read included; a status other than 2xx is a failure.
  function within(url, options, read) {
    var controller = new AbortController();
    var clock = setTimeout(function () { controller.abort(); }, TIMEOUT);
    var settings = Object.assign({ credentials: "same-origin", signal: controller.signal }, options);
    return fetch(url, settings).then(function (response) {
      if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
      return read(response);
    }).finally(function () { clearTimeout(clock); });
  }

  function show(status) {
    label.textContent = status.label;
    if (status.refreshing) form.setAttribute("data-refreshing", ""); else form.removeAttribute("data-refreshing");
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = null;
    if (document.visibilityState !== "hidden") timer = setTimeout(check, ms);
  }

  function check() {
    if (busy) { schedule(wait); return; }
    busy = true;
    var refreshing = false;
    within(form.getAttribute("data-version-url"), { headers: { Accept: "application/json" } }, function (r) {
      return r.json();
    }).then(function (status) {
      show(status);
      refreshing = status.refreshing;
      if (status.stamp !== stamp) return reread().then(function () { stamp = status.stamp; });
    }).then(function () {
      wait = refreshing ? Math.min(every, WHILE_REFRESHING) : every;
    }, function () {
      wait = Math.min(wait * 2, LONGEST_WAIT);
    }).then(function () {
      busy = false;
      schedule(wait);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { clearTimeout(timer); timer = null; } else { schedule(500); }
  });

  // ------------------------------------------------------------ re-reading the page

  function reread() {
    return within(window.location.href, { headers: { Accept: "text/html" } }, function (r) {
      return r.text();
    }).then(function (html) {
      swap(new DOMParser().parseFromString(html, "text/html"));
    });
  }

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  function sameKeys(a, b) {
    return a.length === b.length && a.every(function (el, i) { return el.id === b[i].id; });
  }

  // A panel's new contents, keeping its drawn chart element (Plotly's state and the drill-down's click handler
  // live on it) and which of its tables were open.
  function swapPanel(old, fresh) {
    var open = all(old, "details").map(function (d) { return d.open; });
    var chart = old.querySelector(".chart");
    var nodes = Array.prototype.slice.call(fresh.childNodes).map(function (node) {
      var inner = node.nodeType === 1 && (node.matches(".chart") ? node : node.querySelector(".chart"));
      if (chart && inner && inner.id === chart.id) {
        if (inner === node) return chart;
        inner.replaceWith(chart);
      }
      return node;
    });
    old.replaceChildren.apply(old, nodes);
    old.className = fresh.className;
    var details = all(old, "details");
    if (details.length === open.length) details.forEach(function (d, i) { d.open = open[i]; });
  }

  function swap(doc) {
    var x = window.scrollX, y = window.scrollY;
    var main = document.getElementById("main"), freshMain = doc.getElementById("main");
    if (!main || !freshMain) return;
    var oldCards = all(main, ".cards"), newCards = all(freshMain, ".cards");
    var oldPanels = all(main, "section[data-panel]"), newPanels = all(freshMain, "section[data-panel]");
    var sameShape = oldCards.length === newCards.length && sameKeys(oldPanels, newPanels) &&
      !main.querySelector(".empty-state") === !freshMain.querySelector(".empty-state");
    if (sameShape) {
      oldCards.forEach(function (cards, i) { cards.replaceChildren.apply(cards, Array.prototype.slice.call(newCards[i].childNodes)); });
      oldPanels.forEach(function (panel, i) { swapPanel(panel, newPanels[i]); });
      ["[data-period]", "[data-includes-tax]", "[data-walk-in]"].forEach(function (selector) {
        var now = main.querySelector(selector), then = freshMain.querySelector(selector);
        if (now && then) now.replaceWith(then);
      });
    } else {
      // Cards or panels came or went (the first file of an empty company): everything but the filter bar and
      // this line is new; those two stay as they are, with what the person was doing in them.
      [["#filter-bar", document.getElementById("filter-bar")], ["#freshness", form]].forEach(function (pair) {
        var incoming = freshMain.querySelector(pair[0]);
        if (incoming && pair[1]) incoming.replaceWith(pair[1]);
      });
      main.replaceChildren.apply(main, Array.prototype.slice.call(freshMain.childNodes));
    }
    var figures = doc.getElementById("figures");
    if (figures) {
      var mine = document.getElementById("figures");
      if (mine) mine.textContent = figures.textContent;
      draw(JSON.parse(figures.textContent));
    }
    rowLinks();
    window.scrollTo(x, y);
  }

  // Drawing and row links are dashboard.js's and drill.js's own (loaded before this script).
  function draw(figures) {
    if (window.ElettroCharts) window.ElettroCharts.draw(figures);
  }
  function rowLinks() {
    if (window.ElettroDrill) window.ElettroDrill.rowLinks();
  }

  // ------------------------------------------------------------ the Refresh button

  var said = null;
  function say(text) {
    if (!said) {
      said = document.createElement("span");
      said.className = "muted small";
      said.setAttribute("role", "status");
      said.setAttribute("data-refresh-message", "");
      form.appendChild(said);
    }
    said.textContent = " " + text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    label.textContent = "Refreshing…";
    var refreshing = false;
    within(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } },
      function (r) { return r.json(); }
    ).then(function (status) {
      say(status.message);
      show(status);
      refreshing = status.refreshing;
      return reread().then(function () { stamp = status.stamp; });
    }).then(function () {
      button.disabled = false;
      wait = refreshing ? WHILE_REFRESHING : every;
      schedule(wait);
    }, function () {
      form.submit();  // as without JavaScript: the server re-reads and sends this page back
    });
  });

  if (form.hasAttribute("data-refreshing")) wait = WHILE_REFRESHING;
  schedule(wait);
})();
