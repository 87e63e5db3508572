/* Vigil's charts (issue 13). Every <canvas data-chart="ID" data-kind="bar|line|doughnut">
   draws the JSON of <script type="application/json" id="ID"> (Django's json_script) with
   Chart.js (vendor/chartjs/chart.umd.js, loaded before this file). The JSON, built server-side
   by vigil.core.selectors.charts.chart(), holds the labels and dataset names already in the
   reader's language: {labels, datasets: [{label, data, colour, dash?}], stacked?, horizontal?,
   unit?, max?, title?}. No inline script (CSP script-src 'self'): the page only carries data.
   Charts inside a part htmx swaps are drawn again after the swap. */
(function () {
  "use strict";

  function readData(id) {
    var node = id && document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  function darker(hex) {
    var n = parseInt(hex.slice(1), 16);
    var c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(function (v) { return Math.round(v * 0.7); });
    return "rgb(" + c.join(",") + ")";
  }

  function format(value, unit) {
    if (value === null || value === undefined) return "—";
    var text = typeof value === "number" ? value.toLocaleString(document.documentElement.lang || undefined,
      { maximumFractionDigits: 1 }) : String(value);
    if (!unit) return text;
    return unit === "%" ? text + "%" : text + " " + unit;
  }

  function config(kind, data) {
    var unit = data.unit || "";
    var datasets = (data.datasets || []).map(function (d) {
      var base = d.colour || "#0d6efd";
      var set = { label: d.label, data: d.data };
      if (kind === "doughnut") {
        var colours = d.colours || [];
        set.backgroundColor = colours;
        set.borderColor = "#fff";
        set.borderWidth = 2;
      } else if (kind === "line") {
        set.borderColor = base;
        set.backgroundColor = alpha(base, 0.15);
        set.pointBackgroundColor = base;
        set.pointRadius = 4;
        set.borderWidth = 2;
        set.spanGaps = true;
        set.tension = 0.2;
        if (d.dash) set.borderDash = [6, 4];
      } else {
        set.backgroundColor = base;
        set.borderColor = darker(base);
        set.borderWidth = 1;
        set.maxBarThickness = 48;
      }
      return set;
    });
    var tooltip = {
      callbacks: {
        label: function (ctx) {
          var v = kind === "doughnut" ? ctx.parsed : (data.horizontal ? ctx.parsed.x : ctx.parsed.y);
          return (ctx.dataset.label && kind !== "doughnut" ? ctx.dataset.label + ": " : (ctx.label ? ctx.label + ": " : ""))
            + format(v, unit);
        }
      }
    };
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: kind === "doughnut" || datasets.length > 1, position: "bottom",
                  labels: { boxWidth: 14, usePointStyle: kind === "line" } },
        tooltip: tooltip
      }
    };
    if (kind !== "doughnut") {
      var valueAxis = {
        beginAtZero: true,
        stacked: !!data.stacked,
        ticks: { precision: unit ? undefined : 0, callback: function (v) { return format(v, unit); } },
        title: { display: !!data.title, text: data.title || "" }
      };
      if (data.max !== undefined && data.max !== null) valueAxis.max = data.max;
      var categoryAxis = { stacked: !!data.stacked, ticks: { autoSkip: true, maxRotation: 60 } };
      if (data.horizontal) {
        options.indexAxis = "y";
        options.scales = { x: valueAxis, y: categoryAxis };
      } else {
        options.scales = { x: categoryAxis, y: valueAxis };
      }
    } else {
      datasets.forEach(function (set, i) {
        set.backgroundColor = (data.datasets[i].colours || []);
      });
    }
    return { type: kind, data: { labels: data.labels || [], datasets: datasets }, options: options };
  }

  function draw(root) {
    if (typeof window.Chart === "undefined") return;
    var scope = root && root.querySelectorAll ? root : document;
    var canvases = Array.prototype.slice.call(scope.querySelectorAll("canvas[data-chart]"));
    if (scope.matches && scope.matches("canvas[data-chart]")) canvases.push(scope);
    canvases.forEach(function (canvas) {
      var data = readData(canvas.getAttribute("data-chart"));
      if (!data) return;
      var kind = canvas.getAttribute("data-kind") || "bar";
      if (["bar", "line", "doughnut"].indexOf(kind) < 0) kind = "bar";
      var previous = window.Chart.getChart(canvas);
      if (previous) previous.destroy();
      new window.Chart(canvas, config(kind, data));
      canvas.setAttribute("data-drawn", "1");
    });
  }

  window.vigilCharts = { draw: draw };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.detail && event.detail.target); });
})();
