// Aftersale dashboard charts (Chart.js from static/vendor). Each <canvas data-chart="...">
// carries its own data as JSON (no inline script: strict CSP). Series differ by line dash and
// point shape as well as colour, and every chart has a table with the same figures.
"use strict";

(function () {
  var COLOURS = ["#1f5f8b", "#b26a00", "#2e7d32", "#8e244d"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  var POINTS = ["circle", "rectRot", "triangle", "rect"];

  function draw(canvas) {
    if (typeof Chart === "undefined") { return; }
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    var percent = spec.series.some(function (s) { return /%\)$/.test(s.label); });
    new Chart(canvas, {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, i) {
          return {
            label: series.label,
            data: series.data,
            borderColor: COLOURS[i % COLOURS.length],
            backgroundColor: COLOURS[i % COLOURS.length],
            borderDash: DASHES[i % DASHES.length],
            pointStyle: POINTS[i % POINTS.length],
            pointRadius: 4,
            // A week with no figure is a gap in the line, not a straight run across it.
            spanGaps: false,
            borderWidth: 2
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        // Wide on a desktop, taller on a phone so the lines stay readable.
        aspectRatio: canvas.parentElement.clientWidth < 600 ? 1.2 : (spec.title ? 2 : 3),
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { usePointStyle: true, boxWidth: 10, boxHeight: 8 } } },
        scales: {
          y: {
            beginAtZero: true,
            title: { display: true, text: spec.unit === "hours" ? "hours" : (percent ? "%" : "") }
          }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
