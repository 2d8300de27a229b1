// Money over time on a project page: Chart.js (vendored) reads the data the
// page embeds as JSON; the same figures are in a table for screen readers.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("money-chart-data");
  var canvas = document.getElementById("money-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var money = new Intl.NumberFormat(data.locale, {
    style: "currency", currency: data.currency, notation: "compact", maximumFractionDigits: 1
  });
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "line", label: data.series.total, data: data.totals, borderColor: "#0b5d4b",
          backgroundColor: "rgba(11,93,75,0.12)", fill: true, tension: 0.2, yAxisID: "y" },
        { type: "bar", label: data.series.daily, data: data.daily, backgroundColor: "#0a5690",
          yAxisID: "y" }
      ]
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } } },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money.format(c.parsed.y); } } }
      }
    }
  });
});
