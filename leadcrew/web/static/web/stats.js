// leadcrew: the statistics chart, drawn by Chart.js from the figures the page embeds.
// Without JavaScript the table below it carries the same figures.
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("stats-chart");
    var source = document.getElementById("stats-chart-data");
    if (!canvas || !source || !window.Chart || canvas.dataset.drawn) return;
    var data = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series) {
          return {
            label: series.label,
            data: series.data,
            backgroundColor: series.color,
            borderRadius: 3,
            maxBarThickness: 28
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 300 },
        locale: document.documentElement.lang || "en",
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: !!data.stacked, grid: { display: false } },
          y: { stacked: !!data.stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
